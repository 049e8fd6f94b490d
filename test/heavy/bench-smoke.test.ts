import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/db.js';
import { BUILT } from '../helpers/build.js';

/**
 * The benchmark harness, run small, so it cannot rot: every figure must be produced. It runs in its
 * own vitest project after the others (vitest.config.ts) and builds into node_modules/.cache, never
 * into the working tree's dist/.
 */
describe('npm run bench (smoke)', () => {
  it('produces every figure of the report', () => {
    const dir = tempDir();
    const build = BUILT;
    try {
      // The built code finds migrations/ beside its dist/, as in a package.
      const json = join(dir.path, 'bench.json');
      const run = spawnSync(process.execPath, [join(build, 'dist/test/bench/run.js'), '--smoke', '--json', json], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status, run.stderr + run.stdout).toBe(0);
      expect(run.stdout).toContain('Interaction latency');
      expect(run.stdout).toContain('Consumer API');
      const result = JSON.parse(readFileSync(json, 'utf8')) as {
        latency: {
          rows: {
            interaction: string;
            ours: Record<string, number | object>;
            peer: Record<string, number | object>;
            bare: Record<string, number>;
            ratioPeerCpu: number;
          }[];
          memory: Record<string, number>;
        };
        consumer: { ours: Record<string, number>; bare: Record<string, number>; ratio: number };
        sweeps: Record<string, number>[];
        startup: Record<string, number>;
        sealing: Record<string, number>;
        targets: { target: string }[];
      };
      expect(new Set(result.latency.rows.map((r) => r.interaction))).toEqual(
        new Set(['command', 'button', 'submission']),
      );
      for (const row of result.latency.rows) {
        for (const key of ['p50', 'p95', 'p99', 'max', 'rps', 'cpuMs', 'loopP99Ms']) {
          expect(Number.isFinite(row.ours[key]), `ours ${row.interaction} ${key}`).toBe(true);
          expect(Number.isFinite(row.peer[key]), `peer ${row.interaction} ${key}`).toBe(true);
          expect(Number.isFinite(row.bare[key]), `floor ${row.interaction} ${key}`).toBe(true);
        }
        expect(row.ours.cpuMs as number).toBeGreaterThan(0);
        expect(Number.isFinite(row.ratioPeerCpu)).toBe(true);
        if (row.interaction !== 'submission') {
          expect(Number.isFinite((row.ours.viewsOpen as Record<string, number>).p99)).toBe(true);
          expect(Number.isFinite((row.peer.viewsOpen as Record<string, number>).p99)).toBe(true);
        }
      }
      for (const key of ['rps', 'p99', 'cpuMs'])
        expect(Number.isFinite(result.consumer.ours[key]), `consumer ${key}`).toBe(true);
      expect(result.consumer.bare.rps).toBeGreaterThan(0);
      for (const sweep of result.sweeps) {
        for (const key of ['wallMs', 'idealWithCapsMs', 'probesPerSecond', 'peakRssMb', 'dbMb'])
          expect(Number.isFinite(sweep[key]), key).toBe(true);
        expect(sweep.skipped).toBe(0);
        expect(sweep.probedTwice).toBe(0);
      }
      for (const key of ['freshMs', 'warmMs', 'idleRssMb'])
        expect(Number.isFinite(result.startup[key]), key).toBe(true);
      expect(result.sealing.sealPerSecond).toBeGreaterThan(0);
      expect(result.sealing.unsealPerSecond).toBeGreaterThan(0);
      expect(Number.isFinite(result.latency.memory.growthMb)).toBe(true);
      expect(result.targets.length).toBeGreaterThanOrEqual(7);
    } finally {
      dir.cleanup();
    }
  }, 180_000);
});
