// `npm ci` builds dist/ so `npx reauth-bot` works straight away. A production install
// (`npm ci --omit=dev`) has no TypeScript: it then says how to build instead of failing the install.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('reauth-bot: TypeScript is not installed (a production install), so dist/ was not built here.\n' + 'Build first with `npm ci && npm run build`, then `npm prune --omit=dev` (see docs/deploy.md).\n');
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
