// Builds dist/ from source with the project's TypeScript, then the production bundle (dist/bundle/,
// scripts/bundle.mjs), so `npm start`, `npm run sandbox` and `npx reauth-bot` always run the current
// code. A production install (`npm ci --omit=dev`, or `npm prune --omit=dev` after a build) has no
// TypeScript: then the built dist/ is used as it is, and without one the message says how to build.
//   node scripts/build.mjs              build, or use the existing dist/ when TypeScript is absent
//   node scripts/build.mjs --optional   as above, but never fail (npm's prepare step)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findTypeScriptCompiler } from './find-tsc.mjs';

const optional = process.argv.includes('--optional');
const tsc = findTypeScriptCompiler();
if (!tsc) {
  if (existsSync('dist/bundle/main.mjs')) process.exit(0);
  process.stderr.write(
    'reauth-bot: TypeScript is not installed (a production install) and there is no built dist/.\n' +
      'Build first with `npm ci && npm run build`, then `npm prune --omit=dev` (see docs/operating.md).\n',
  );
  process.exit(optional ? 0 : 1);
}
const compiled = spawnSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
const bundled = spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
process.exit(bundled.status ?? 1);
