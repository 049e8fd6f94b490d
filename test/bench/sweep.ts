import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from '../../src/providers/registry.js';
import type { ProviderKey } from '../../src/providers/types.js';
import { startProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { distFile, startChild, type Child } from './processes.js';
import { round } from './stats.js';

export interface SweepResult {
  integrations: number;
  wallMs: number;
  /** N × 50 ms ÷ the global concurrency. */
  idealGlobalMs: number;
  /** The same, given each provider's own concurrency cap (the real ceiling). */
  idealWithCapsMs: number;
  efficiencyVsCaps: number;
  efficiencyVsGlobal: number;
  probesPerSecond: number;
  peakRssMb: number;
  dbMb: number;
  skipped: number;
  probedTwice: number;
  /** On PostgreSQL: how many probes each replica made (the sweep split across them). */
  perReplica?: number[];
  engine: 'sqlite' | 'postgres';
}

/** Single-call validations, so one probe is one 50 ms request. */
const MIX: { provider: ProviderKey; auth: string; extra?: (i: number) => string }[] = [
  { provider: 'jira', auth: 'api_key' },
  { provider: 'jira', auth: 'pat' },
  { provider: 'github', auth: 'pat' },
  { provider: 'bitbucket', auth: 'api_key' },
  { provider: 'azure_devops', auth: 'pat', extra: (i) => `, organization: org${i}, service: boards` },
];

export async function measureSweep(options: {
  integrations: number;
  dir: string;
  delayMs: number;
  concurrency: number /** PostgreSQL, the sweep split across this many replicas. */;
  postgres?: { url: string; replicas: number };
}): Promise<SweepResult> {
  const providers = await startProviderEmulator();
  try {
    const lines: string[] = [];
    const perProvider = new Map<ProviderKey, number>();
    for (let i = 0; i < options.integrations; i += 1) {
      const row = MIX[i % MIX.length] as (typeof MIX)[number];
      const id = `i${i}`;
      const organization = row.provider === 'azure_devops' ? `org${i}` : undefined;
      lines.push(
        `  - { id: ${id}, provider: ${row.provider}, auth: ${row.auth}, url: "${providers.baseUrl(row.provider, organization)}", channel: C0BENCH${row.extra?.(i) ?? ''} }`,
      );
      providers.setToken(`bench-${id}-0123456789abcdef`, {
        provider: row.provider,
        delayMs: options.delayMs,
        identity: { id, name: id },
        ...(row.provider === 'jira' && row.auth === 'api_key' ? { basicUser: 'bench@acme.example' } : {}),
        ...(organization ? { organization } : {}),
      });
      perProvider.set(row.provider, (perProvider.get(row.provider) ?? 0) + 1);
    }
    const catalogue = join(options.dir, `sweep-${options.integrations}.yml`);
    writeFileSync(catalogue, `integrations:\n${lines.join('\n')}\n`);
    const env = {
      DATABASE_PATH: join(options.dir, `sweep-${options.integrations}.db`),
      INTEGRATIONS_FILE: catalogue,
      REAUTH_SECRET_KEY: randomBytes(32).toString('base64'),
      HEALTH_CHECK_INTERVAL_SECONDS: '900',
      ...(options.postgres ? { DATABASE_URL: options.postgres.url } : {}),
    };
    const run = async (extra: Record<string, string>, started?: (child: Child) => void) => {
      const child = startChild(
        distFile('../../bundle/bench/sweep-child.mjs'),
        { ...env, ...extra },
        { stdin: Boolean(started) },
      );
      started?.(child);
      const code = await new Promise<number | null>((resolve) => child.process.once('exit', resolve));
      const line = child.output().trim().split('\n').at(-1) ?? '';
      if (code !== 0) throw new Error(`sweep worker failed: ${child.output().slice(-2000)}`);
      return JSON.parse(line) as {
        probed: number;
        wallMs: number;
        startedAt: number;
        endedAt: number;
        peakRssMb: number;
        dbBytes: number;
      };
    };
    let report: { probed: number; wallMs: number; peakRssMb: number; dbBytes: number };
    let perReplica: number[] | undefined;
    if (options.postgres) {
      await run({ SWEEP_MODE: 'seed' });
      // Every replica composes (migrations and sync take turns), then all start sweeping at once.
      const children: Child[] = [];
      const ready = () =>
        children.length === options.postgres?.replicas && children.every((c) => c.output().includes('ready\n'));
      const go = () => {
        if (ready()) for (const c of children) c.process.stdin?.end('go\n');
      };
      const replicas = await Promise.all(
        Array.from({ length: options.postgres.replicas }, () =>
          run({ SWEEP_MODE: 'sweep', SWEEP_BARRIER: '1' }, (child) => {
            children.push(child);
            child.process.stdout?.on('data', go);
          }),
        ),
      );
      perReplica = replicas.map((r) => r.probed);
      const wallMs = Math.max(...replicas.map((r) => r.endedAt)) - Math.min(...replicas.map((r) => r.startedAt));
      report = {
        probed: perReplica.reduce((a, b) => a + b, 0),
        wallMs,
        peakRssMb: Math.max(...replicas.map((r) => r.peakRssMb)),
        dbBytes: 0,
      };
    } else {
      // Seeded by one process, swept by another: the sweep's peak memory is the sweep's own.
      await run({ SWEEP_MODE: 'seed' });
      report = await run({ SWEEP_MODE: 'sweep' });
    }

    const counts = new Map<string, number>();
    for (const request of providers.requests)
      if (request.token) counts.set(request.token, (counts.get(request.token) ?? 0) + 1);
    let skipped = 0;
    let twice = 0;
    for (let i = 0; i < options.integrations; i += 1) {
      const n = counts.get(`bench-i${i}-0123456789abcdef`) ?? 0;
      if (n === 0) skipped += 1;
      if (n > 1) twice += 1;
    }
    // Each replica has its own global and per-provider caps: with R replicas the ideal is R times shorter.
    const replicas = options.postgres?.replicas ?? 1;
    const idealGlobalMs = (options.integrations * options.delayMs) / (options.concurrency * replicas);
    const idealWithCapsMs = Math.max(
      idealGlobalMs,
      ...[...perProvider].map(([provider, n]) => (n * options.delayMs) / (PROVIDERS[provider].concurrency * replicas)),
    );
    return {
      integrations: options.integrations,
      wallMs: round(report.wallMs, 0),
      idealGlobalMs: round(idealGlobalMs, 0),
      idealWithCapsMs: round(idealWithCapsMs, 0),
      efficiencyVsCaps: round(idealWithCapsMs / report.wallMs, 2),
      efficiencyVsGlobal: round(idealGlobalMs / report.wallMs, 2),
      probesPerSecond: round(report.probed / (report.wallMs / 1000)),
      peakRssMb: round(report.peakRssMb),
      dbMb: round(report.dbBytes / 1024 / 1024, 2),
      skipped,
      probedTwice: twice,
      engine: options.postgres ? 'postgres' : 'sqlite',
      ...(perReplica ? { perReplica } : {}),
    };
  } finally {
    await providers.close();
  }
}
