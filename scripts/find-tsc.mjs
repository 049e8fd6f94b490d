// Where the project's TypeScript compiler is, or undefined in a production install without it.
// TypeScript 7 exports only some paths (`typescript/bin/tsc` is not one of them, so require.resolve
// refuses it); its package.json is exported, and names the compiler under "bin".
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function findTypeScriptCompiler(from = import.meta.url) {
  const require = createRequire(from);
  let manifest;
  try {
    manifest = require.resolve('typescript/package.json');
  } catch {
    return undefined;
  }
  const { bin } = require(manifest);
  const relative = typeof bin === 'string' ? bin : bin?.tsc;
  return relative ? join(dirname(manifest), relative) : undefined;
}
