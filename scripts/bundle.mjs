// The production build: one ES-module bundle per entry point (the server, the CLI, the sandbox) under
// <out>/bundle/, with source maps for stack traces. Why: on Node 24 the ES-module loader reads a
// package's package.json again for each of its modules, and drizzle-orm's is 179 KB across ~150 modules
// (nodejs/node#59888): importing it unbundled cost ~450 ms and ~150 MB of heap at start-up. A bundle
// loads each dependency once. Development and tests run the sources (and tsc's dist/src/).
//   node scripts/bundle.mjs [outDir] [--bench]   (default: dist; --bench also bundles the bench's sweep
//   child into <outDir>/bundle/bench/, so the sweep's footprint is the production build's)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith('--')) ?? 'dist';
const entryPoints = {
  main: 'src/launch/main.ts',
  cli: 'src/launch/cli.ts',
  sandbox: 'src/sandbox/launch.ts',
  ...(args.includes('--bench') ? { 'bench/sweep-child': 'test/bench/sweep-child.ts' } : {}),
};

// Chunks are named by their content hash: a rebuild starts from an empty folder so old ones do not pile up.
rmSync(join(out, 'bundle'), { recursive: true, force: true });
await build({
  entryPoints,
  outdir: join(out, 'bundle'),
  bundle: true,
  // Chunks: each launcher checks the Node version before it imports the rest (better-sqlite3, a native
  // module, crashes an old Node when it loads).
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.12',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  // Native or optional modules stay in node_modules.
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __reauthRequire } from 'node:module'; const require = __reauthRequire(import.meta.url);",
  },
  legalComments: 'linked',
  logLevel: 'warning',
});
// The bundle's modules are ES modules whatever the nearest package.json says.
mkdirSync(join(out, 'bundle'), { recursive: true });
writeFileSync(join(out, 'bundle', 'package.json'), '{ "type": "module" }\n');
