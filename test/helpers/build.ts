import { resolve } from 'node:path';

/** Where test/global-build.ts compiled the project (dist/ and migrations/), for tests that start it in a child process. */
export const BUILT = resolve('node_modules/.cache/reauth-build');
