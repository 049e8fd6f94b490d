import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Child processes of the benchmark: our real entry point, the bare Bolt app, the sweep worker. */

export const distFile = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  output: () => string;
  stop(): Promise<void>;
}

export function startChild(
  file: string,
  env: Record<string, string>,
  options: { stdin?: boolean /** Modules to preload (`node --import`). */; preload?: string[] } = {},
): Child {
  // BENCH_PROFILE=<dir> writes a CPU profile of each child there (node --cpu-prof).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const preload = (options.preload ?? []).flatMap((module) => ['--import', module]);
  // BENCH_NODE_FLAGS="--trace-gc …" passes diagnostics flags to the measured apps (those with a preload).
  const flags = options.preload ? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...profile, ...flags, ...preload, file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (output += d.toString()));
  return {
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Polls GET url until it answers 200; returns the milliseconds it took from `since`. */
export async function waitForHealthy(url: string, since: number, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${url} did not become healthy in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface ProbeReport {
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

/**
 * Asks a child that preloads loop-probe.js for its event-loop delay since the last ask and its CPU
 * time so far (SIGUSR2), and waits for the answer file.
 */
export async function probeChild(child: Child, file: string): Promise<ProbeReport> {
  const { readFile, rm } = await import('node:fs/promises');
  await rm(file, { force: true });
  child.process.kill('SIGUSR2');
  const started = Date.now();
  for (;;) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as ProbeReport;
    } catch {
      if (Date.now() - started > 10_000) throw new Error(`no probe report from ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
