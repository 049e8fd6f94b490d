import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeTooOld, OLDEST_NODE } from '../../src/node-version.js';
import { BUILT } from '../helpers/build.js';

/** A Node older than Reauth supports on this machine (Debian's default here is Node 20), if any. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (nodeTooOld(version)) return candidate;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

describe('an entry point on a Node too old for it', () => {
  it('names the version found and the version needed (package.json engines is the same floor)', () => {
    const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${OLDEST_NODE}`);
    expect(nodeTooOld('v20.20.2')).toBe(
      'Reauth needs Node.js 22.12.0 or later (24 LTS recommended); this is Node.js 20.20.2. Install a newer Node, or run it through scripts/with-node.sh.',
    );
    expect(nodeTooOld('22.11.9')).toContain('this is Node.js 22.11.9');
    for (const fine of ['22.12.0', '22.20.1', '24.0.0', 'v24.22.3', '100.0.0'])
      expect(nodeTooOld(fine)).toBeUndefined();
  });

  const node = olderNode();
  it.skipIf(!node && !process.env.CI)(
    'the server, the CLI and the sandbox (bundled and compiled) stop at once with that one line and exit 1 — no crash of a native module',
    () => {
      expect(node, 'CI machines have Debian Node 20 beside Node 24').toBeDefined();
      for (const entry of [
        'bundle/main.mjs',
        'bundle/cli.mjs',
        'bundle/sandbox.mjs',
        'src/main.js',
        'src/cli.js',
        'src/sandbox/run.js',
      ]) {
        const run = spawnSync(node ?? 'node', [join(BUILT, 'dist', entry), 'list'], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', DATABASE_PATH: ':memory:' },
          timeout: 20_000,
        });
        expect(run.signal, `${entry} died of a signal`).toBeNull();
        expect(run.status, entry).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr.trim().split('\n'), entry).toEqual([
          expect.stringMatching(/^Reauth needs Node\.js 22\.12\.0 or later .* this is Node\.js 2\d\./),
        ]);
      }
    },
  );
});
