import { defineConfig } from 'vitest/config';

/**
 * unit, e2e (on SQLite, and its interactive and delivery files again on PostgreSQL) and adversarial run together; the heavy files (the benchmark smoke test, the audit export
 * over a million rows) run afterwards (a higher groupOrder), so they do not compete for the cores with
 * the other files, and they build into node_modules/.cache, never the working tree.
 * Test files share their worker's module cache (isolate: false): the code under test keeps no module
 * state (everything is built by factories per test), and loading Bolt once per worker saves a quarter
 * of the run on 2 cores. The files that start the project in a child process (adversarial, heavy)
 * share one compilation (test/global-build.ts) instead of each compiling it again.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 15_000,
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          // The interactive and delivery suites again, each test app on a real PostgreSQL of its own
          // (test/helpers/engine.ts): one variable moves an end-to-end file to the other engine.
          name: 'e2e-postgres',
          include: [
            'handover',
            'slack-surface',
            'slack-routing',
            'socket-mode',
            'reauth-rows',
            'overview-paging',
            'web-form',
            'web-form-browser',
            'smoke',
            'delivery',
            'consumer-grants',
            'metrics',
            'key-rotation',
            'machine-identities',
            'jira-service-account',
            'retired-credentials',
          ].map((name) => `test/e2e/${name}.test.ts`),
          env: { REAUTH_TEST_DATABASE: 'postgres' },
          testTimeout: 30_000,
          hookTimeout: 30_000,
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'adversarial',
          include: ['test/adversarial/**/*.test.ts'],
          globalSetup: ['test/global-build.ts'],
          testTimeout: process.env.REAUTH_SOAK === '1' ? 3_600_000 : 120_000,
          hookTimeout: 60_000,
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'heavy',
          include: ['test/heavy/**/*.test.ts'],
          globalSetup: ['test/global-build.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
