import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { measureLatency, type LatencyResult, type LatencyRow } from './latency.js';
import { measureConsumerApi, type ConsumerResult } from './consumer-api.js';
import { measureSealing } from './sealing.js';
import { measureStartup, type StartupResult } from './startup.js';
import { measureSweep, type SweepResult } from './sweep.js';
import { startTestPostgres } from '../helpers/postgres.js';

/**
 * `npm run bench [-- --json <path>] [-- --smoke] [-- --postgres]`: Reauth's speed and footprint against a bare Bolt
 * app and Slack's limits, on loopback, in one process tree. Prints one table; --json also writes it.
 */

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
/** --postgres: the latency and sweep tables again on a real PostgreSQL (Debian's, started here), the sweep split across two replicas. */
const withPostgres = args.includes('--postgres');
/** --baseline <main.js>: an earlier build of Reauth, measured in the same rounds as the current one (before/after). */
const baselineIndex = args.indexOf('--baseline');
const baselineMain = baselineIndex >= 0 ? args[baselineIndex + 1] : undefined;
const jsonIndex = args.indexOf('--json');
const jsonPath = jsonIndex >= 0 ? args[jsonIndex + 1] : undefined;

const plan = smoke
  ? {
      levels: [1, 5],
      requests: () => 10,
      memory: 100,
      sweeps: [40, 80],
      startup: 50,
      sealing: 500,
      pacing: { warmUpInteractions: 50, settleMs: 50 },
      idleMs: 200,
      consumerRequests: 500,
    }
  : {
      levels: [1, 10, 50, 200],
      requests: (c: number) => Math.max(500, c * 10),
      memory: 10_000,
      sweeps: [1_000, 10_000],
      startup: 1_000,
      sealing: 50_000,
      pacing: { warmUpInteractions: 1_000, settleMs: 200 },
      idleMs: 1_000,
      consumerRequests: 20_000,
    };

const dir = mkdtempSync(join(tmpdir(), 'reauth-bench-'));
const started = performance.now();
try {
  const latency = await measureLatency({
    levels: plan.levels,
    requests: plan.requests,
    memoryInteractions: plan.memory,
    dir,
    pacing: plan.pacing,
    ...(baselineMain ? { baselineMain } : {}),
  });
  const sweeps: SweepResult[] = [];
  for (const n of plan.sweeps) sweeps.push(await measureSweep({ integrations: n, dir, delayMs: 50, concurrency: 32 }));
  let postgresLatency: LatencyResult | undefined;
  if (withPostgres) {
    const postgres = await startTestPostgres();
    try {
      postgresLatency = await measureLatency({
        levels: plan.levels,
        requests: plan.requests,
        memoryInteractions: plan.memory,
        dir,
        pacing: plan.pacing,
        databaseUrl: await postgres.newDatabase(),
      });
      for (const n of plan.sweeps)
        sweeps.push(
          await measureSweep({
            integrations: n,
            dir,
            delayMs: 50,
            concurrency: 32,
            postgres: { url: await postgres.newDatabase(), replicas: 2 },
          }),
        );
    } finally {
      await postgres.close();
    }
  }
  const consumer = await measureConsumerApi({ dir, requests: plan.consumerRequests, concurrency: 50 });
  const consumerMachine = await measureConsumerApi({
    dir,
    requests: plan.consumerRequests,
    concurrency: 50,
    credential: 'machine',
  });
  const startup = await measureStartup({ integrations: plan.startup, dir, idleMs: plan.idleMs });
  const sealing = measureSealing(plan.sealing);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: process.platform,
  };
  const result = {
    smoke,
    machine,
    latency,
    ...(postgresLatency ? { postgresLatency } : {}),
    consumer,
    consumerMachine,
    sweeps,
    startup,
    sealing,
    targets: targets(latency, sweeps, startup, consumer),
    seconds: Math.round((performance.now() - started) / 1000),
  };
  process.stdout.write(`${formatReport(result)}\n`);
  if (jsonPath) {
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify(result, null, 2));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function targets(latency: LatencyResult, sweeps: SweepResult[], startup: StartupResult, consumer: ConsumerResult) {
  const at50 = latency.rows.filter((r) => r.concurrency === 50);
  const at200 = latency.rows.filter((r) => r.concurrency === 200);
  const measured = at50.length > 0;
  const sqliteSweeps = sweeps.filter((s) => s.engine === 'sqlite');
  const big = sqliteSweeps.at(-1);
  // Without a 50-concurrency run (the smoke plan) these targets are "not measured", never "met".
  const check = (value: number, ok: boolean) => ({ value, ok: measured ? ok : null });
  const row = (interaction: string) => at50.find((r) => r.interaction === interaction);
  return [
    // This round's targets (issue 27): the command and the button at most 0.6× the peer's CPU, the
    // submission (a validation and a committed swap the peer does not make) at most 2×, acks 0.8×.
    ...(
      [
        ['command', 0.6],
        ['button', 0.6],
        ['submission', 2],
      ] as const
    ).map(([interaction, limit]) => ({
      target: `CPU per interaction ≤ ${limit}× the fair peer at 50 concurrent, ${interaction}`,
      ...check(row(interaction)?.ratioPeerCpu ?? Number.NaN, (row(interaction)?.ratioPeerCpu ?? Infinity) <= limit),
    })),
    ...['command', 'button', 'submission'].map((interaction) => ({
      target: `ack p99 ≤ 0.8× the fair peer at 50 concurrent, ${interaction}`,
      ...check(row(interaction)?.ratioPeerP99 ?? Number.NaN, (row(interaction)?.ratioPeerP99 ?? Infinity) <= 0.8),
    })),
    ...['command', 'button'].map((interaction) => ({
      target: `receipt → views.open p99 ≤ 1.0× the fair peer at 50 concurrent, ${interaction}`,
      ...check(
        row(interaction)?.ratioPeerViewsOpen ?? Number.NaN,
        (row(interaction)?.ratioPeerViewsOpen ?? Infinity) <= 1.0,
      ),
    })),
    ...['command', 'button'].map((interaction) => ({
      target: `ack p99 ≤ 50 ms at 50 concurrent, ${interaction}`,
      ...check(row(interaction)?.ours.p99 ?? Number.NaN, (row(interaction)?.ours.p99 ?? Infinity) <= 50),
    })),
    {
      target: 'no ack over 1 s at 200 concurrent',
      value: at200.length ? Math.max(...at200.map((r) => r.ours.max)) : Number.NaN,
      ok: at200.length ? at200.every((r) => r.ours.max < 1000) : null,
    },
    ...sqliteSweeps.map((s) => ({
      target: `sweep of ${s.integrations} at ≥ 95% of ideal (provider caps)`,
      value: s.efficiencyVsCaps,
      ok: s.efficiencyVsCaps >= 0.95,
    })),
    ...sweeps
      .filter((s) => s.perReplica)
      .map((s) => {
        const counts = s.perReplica ?? [];
        const spread = counts.length
          ? (Math.max(...counts) - Math.min(...counts)) / (s.integrations / counts.length)
          : Number.NaN;
        return {
          target: `PostgreSQL sweep of ${s.integrations} split across ${counts.length} replicas balanced within 20 % (${counts.join(' / ')})`,
          value: Math.round(spread * 100) / 100,
          ok: spread <= 0.2,
        };
      }),
    {
      target: `${big?.integrations ?? 0}-integration sweep peak RSS ≤ 200 MB`,
      value: big?.peakRssMb ?? Number.NaN,
      ok: (big?.peakRssMb ?? Infinity) <= 200,
    },
    {
      target: `idle RSS ≤ 120 MB (${startup.integrations} integrations)`,
      value: startup.idleRssMb,
      ok: startup.idleRssMb <= 120,
    },
    {
      target: `start-up ≤ 1 s (${startup.integrations} integrations, existing database)`,
      value: startup.warmMs,
      ok: startup.warmMs <= 1000,
    },
    {
      target: 'consumer API ≥ 0.7× a bare node:http server, requests/s at 50 concurrent',
      value: consumer.ratio,
      ok: consumer.ratio >= 0.7,
    },
    {
      target: 'every integration probed exactly once',
      value: sweeps.reduce((n, s) => n + s.skipped + s.probedTwice, 0),
      ok: sweeps.every((s) => s.skipped === 0 && s.probedTwice === 0),
    },
  ];
}

function latencyHeader(): string {
  return 'interaction conc |  ours p50   p99   max   rps   CPU  loop |  peer p50   p99   CPU  loop | floor p99   CPU | ours÷peer p99 CPU | ours÷floor p99 | views.open p99 ours  peer';
}

function latencyLine(row: LatencyRow): string {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const o = row.ours;
  const p = row.peer;
  const f = row.bare;
  return `${row.interaction.padEnd(11)}${pad(row.concurrency, 5)} |${pad(o.p50, 9)}${pad(o.p99, 6)}${pad(o.max, 6)}${pad(Math.round(o.rps), 6)}${pad(o.cpuMs, 6)}${pad(o.loopP99Ms, 6)} |${pad(p.p50, 9)}${pad(p.p99, 6)}${pad(p.cpuMs, 6)}${pad(p.loopP99Ms, 6)} |${pad(f.p99, 10)}${pad(f.cpuMs, 6)} |${pad(`${row.ratioPeerP99}×`, 10)}${pad(`${row.ratioPeerCpu}×`, 8)} |${pad(`${row.ratioP99}×`, 15)} |${o.viewsOpen ? `${pad(o.viewsOpen.p99, 20)}${pad(p.viewsOpen?.p99 ?? '—', 6)}` : pad('—', 20)}`;
}

function formatReport(r: {
  smoke: boolean;
  machine: Record<string, unknown>;
  latency: LatencyResult;
  postgresLatency?: LatencyResult;
  consumer: ConsumerResult;
  consumerMachine?: ConsumerResult;
  sweeps: SweepResult[];
  startup: StartupResult;
  sealing: { sealPerSecond: number; unsealPerSecond: number };
  targets: { target: string; value: number; ok: boolean | null }[];
  seconds: number;
}): string {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines: string[] = [];
  lines.push(
    `Reauth benchmark${r.smoke ? ' (smoke)' : ''} — ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GiB, Node ${r.machine.node}, ${r.seconds} s`,
  );
  lines.push('');
  lines.push(
    'Interaction latency, receipt → ack in ms; CPU = user + system ms of the app per interaction; loop = event-loop delay p99 ms',
  );
  lines.push(
    'ours: Reauth · peer: a minimal Bolt bot doing the same Slack and provider calls · floor: a bare Bolt app that only acks',
  );
  lines.push(latencyHeader());
  for (const row of r.latency.rows) lines.push(latencyLine(row));
  if (r.latency.rows.some((row) => row.before)) {
    lines.push('');
    lines.push(
      'Before → after this round, in the same run (CPU ms per interaction; ack p99 ms; receipt → views.open p99 ms)',
    );
    for (const row of r.latency.rows) {
      const b = row.before;
      if (!b) continue;
      lines.push(
        `${row.interaction.padEnd(11)}${pad(row.concurrency, 5)} | CPU ${pad(b.cpuMs, 5)} → ${pad(row.ours.cpuMs, 5)} | p99 ${pad(b.p99, 6)} → ${pad(row.ours.p99, 6)} | views.open ${b.viewsOpen ? `${pad(b.viewsOpen.p99, 6)} → ${pad(row.ours.viewsOpen?.p99 ?? '—', 6)}` : '—'}`,
      );
    }
  }
  if (r.postgresLatency) {
    lines.push('');
    lines.push('The same with ours on PostgreSQL (the peer and the floor have no database)');
    lines.push(latencyHeader());
    for (const row of r.postgresLatency.rows) lines.push(latencyLine(row));
  }
  lines.push('');
  lines.push(
    `Consumer API, GET /v1/credentials/{id} at ${r.consumer.concurrency} concurrent consumers: ${r.consumer.ours.rps.toLocaleString('en-US')} req/s (p99 ${r.consumer.ours.p99} ms, CPU ${r.consumer.ours.cpuMs} ms/req) against a bare node:http server answering the same JSON from memory: ${r.consumer.bare.rps.toLocaleString('en-US')} req/s (p99 ${r.consumer.bare.p99} ms) — ${r.consumer.ratio}×`,
  );
  if (r.consumerMachine)
    lines.push(
      `The same for a machine identity (a GitHub App's minted token, held: no mint during the run): ${r.consumerMachine.ours.rps.toLocaleString('en-US')} req/s (p99 ${r.consumerMachine.ours.p99} ms, CPU ${r.consumerMachine.ours.cpuMs} ms/req) against ${r.consumerMachine.bare.rps.toLocaleString('en-US')} req/s — ${r.consumerMachine.ratio}×`,
    );
  lines.push('');
  lines.push(
    'Health sweep (providers answer in 50 ms; global concurrency 32 per replica, per-provider caps from the provider table)',
  );
  lines.push(
    'engine    replicas integrations   wall ms  ideal(caps)  ideal(global)  efficiency  probes/s  peak RSS MB  DB MB  skipped  twice  per replica',
  );
  for (const s of r.sweeps) {
    lines.push(
      `${s.engine.padEnd(10)}${pad(s.perReplica?.length ?? 1, 8)}${pad(s.integrations, 13)}${pad(s.wallMs, 10)}${pad(s.idealWithCapsMs, 13)}${pad(s.idealGlobalMs, 15)}${pad(`${Math.round(s.efficiencyVsCaps * 100)}%`, 12)}${pad(s.probesPerSecond, 10)}${pad(s.peakRssMb, 13)}${pad(s.dbMb, 7)}${pad(s.skipped, 9)}${pad(s.probedTwice, 7)}  ${s.perReplica?.join(' / ') ?? ''}`,
    );
  }
  lines.push('');
  lines.push(
    `Start-up to /healthz (${r.startup.integrations} integrations): fresh database ${r.startup.freshMs} ms, existing database ${r.startup.warmMs} ms; idle RSS ${r.startup.idleRssMb} MB (peak ${r.startup.idlePeakRssMb} MB)`,
  );
  lines.push(
    `Sealing: ${r.sealing.sealPerSecond.toLocaleString('en-US')} seals/s, ${r.sealing.unsealPerSecond.toLocaleString('en-US')} unseals/s`,
  );
  lines.push(
    `Memory: RSS ${r.latency.memory.rssBeforeMb} MB → ${r.latency.memory.rssAfterMb} MB after ${r.latency.memory.interactions.toLocaleString('en-US')} interactions (growth ${r.latency.memory.growthMb} MB)`,
  );
  lines.push('');
  lines.push('Targets');
  for (const t of r.targets)
    lines.push(
      `  ${t.ok === null ? 'n/a   ' : t.ok ? 'met   ' : 'MISSED'}  ${t.target}: ${t.ok === null ? 'not measured' : t.value}`,
    );
  return lines.join('\n');
}
