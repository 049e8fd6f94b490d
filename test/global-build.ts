import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT } from './helpers/build.js';

let built: Promise<void> | undefined;

/**
 * Compiles the project once for every test that runs it in a child process (crash, shutdown, soak,
 * audit export, benchmark smoke), and bundles it as `npm run build` does, into node_modules/.cache —
 * never the working tree's dist/. The
 * projects that need it share this module, so it compiles once per run.
 */
export default async function buildOnce(): Promise<void> {
  built ??= (async () => {
    rmSync(BUILT, { recursive: true, force: true });
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--outDir', join(BUILT, 'dist')], {
      stdio: 'pipe',
    });
    // The production bundle too: what `npm start`, the bin and the bench run.
    execFileSync(process.execPath, ['scripts/bundle.mjs', join(BUILT, 'dist'), '--bench'], { stdio: 'pipe' });
    cpSync('migrations', join(BUILT, 'migrations'), { recursive: true });
  })();
  await built;
}
