import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the build scripts, without types
import { findTypeScriptCompiler } from '../../../scripts/find-tsc.mjs';

/**
 * `npm start` and `npm run sandbox` build through scripts/build.mjs. With TypeScript 7,
 * `require.resolve('typescript/bin/tsc')` throws (the path is not exported), which made a fresh clone
 * skip the build and fail to start; the compiler is found through the exported package.json instead.
 */
describe('finding the TypeScript compiler for the build', () => {
  it('finds the installed tsc', () => {
    const tsc = (findTypeScriptCompiler as () => string | undefined)();
    expect(tsc).toBe(resolve('node_modules/typescript/bin/tsc'));
    expect(existsSync(tsc ?? '')).toBe(true);
  });
});
