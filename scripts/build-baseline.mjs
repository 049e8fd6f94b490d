#!/usr/bin/env node
// `node scripts/build-baseline.mjs <commit>`: builds an earlier commit of Reauth beside this one (in
// node_modules/.cache/reauth-baseline, with this checkout's node_modules) and prints the path of the
// entry `npm start` runs at that commit (its bundle when it has one, else its compiled main.js), for
// `npm run bench -- --baseline <path>`: before and after measured in the same run.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';

const commit = process.argv[2];
if (!commit) {
  process.stderr.write('Usage: node scripts/build-baseline.mjs <commit>\n');
  process.exit(2);
}
const tree = resolve('node_modules/.cache/reauth-baseline');
rmSync(tree, { recursive: true, force: true });
mkdirSync(tree, { recursive: true });
execSync(`git archive ${JSON.stringify(commit)} | tar -x -C ${JSON.stringify(tree)}`, { stdio: 'inherit' });
symlinkSync(resolve('node_modules'), resolve(tree, 'node_modules'));
execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', tree], { stdio: 'inherit' });
const bundler = resolve(tree, 'scripts/bundle.mjs');
if (existsSync(bundler))
  execFileSync(process.execPath, [bundler, resolve(tree, 'dist')], { stdio: 'inherit', cwd: tree });
const bundled = resolve(tree, 'dist/bundle/main.mjs');
process.stdout.write(`${existsSync(bundled) ? bundled : resolve(tree, 'dist/src/main.js')}\n`);
