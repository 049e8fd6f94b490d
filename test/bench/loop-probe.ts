import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Preloaded into each benchmarked app (`node --import`): on SIGUSR2 it writes the event-loop delay
 * since the last signal (perf_hooks.monitorEventLoopDelay) and the process's CPU time so far
 * (process.cpuUsage) to BENCH_LOOP_FILE, then starts a new delay window. The app itself is untouched.
 */
const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage();
    const report = {
      loopP50Ms: delay.percentile(50) / 1e6,
      loopP99Ms: delay.percentile(99) / 1e6,
      loopMaxMs: delay.max / 1e6,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
    };
    delay.reset();
    writeFileSync(`${file}.tmp`, JSON.stringify(report));
    renameSync(`${file}.tmp`, file);
  });
}
