/**
 * The layers of docs/architecture.md, enforced: `npm run deps` prints violations, and
 * test/unit/architecture.test.ts fails on any, naming the rule. Paths match `src/<layer>/` anywhere,
 * so the same rules also judge the deliberately broken fixture in test/fixtures/layering.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the layers meaningless and the load order fragile.',
      from: { path: '(^|/)src/' },
      to: { circular: true },
    },
    {
      name: 'listeners-only-through-services',
      severity: 'error',
      comment:
        'Slack listeners parse, call a service, build blocks and do Slack I/O: never storage, provider or sink calls.',
      from: { path: '(^|/)src/listeners/' },
      to: { path: '(^|/)src/(db|providers|sinks)/' },
    },
    {
      name: 'http-only-through-services',
      severity: 'error',
      comment: 'HTTP routes parse, call a service and write the answer: never storage, provider or sink calls.',
      from: { path: '(^|/)src/http/' },
      to: { path: '(^|/)src/(db|providers|sinks)/' },
    },
    {
      name: 'blocks-are-pure',
      severity: 'error',
      comment: 'Block Kit builders turn domain values into views; they never reach services or storage.',
      from: { path: '(^|/)src/slack/blocks/' },
      to: { path: '(^|/)src/(services|db|listeners|http)/' },
    },
    {
      name: 'providers-know-no-slack-or-storage',
      severity: 'error',
      comment: 'The provider table, HTTP client and validation are independent of Slack and of storage.',
      from: { path: '(^|/)src/providers/' },
      to: { path: '(^|/)src/(slack|db|services|listeners|http|domain)/' },
    },
    {
      name: 'sinks-know-no-slack-or-storage',
      severity: 'error',
      comment:
        "Sink senders (webhook, Vault, file) deliver one message; the outbox, Slack and storage are the services' business.",
      from: { path: '(^|/)src/sinks/' },
      to: { path: '(^|/)src/(slack|db|services|listeners|http)/' },
    },
    {
      name: 'domain-is-plain-data',
      severity: 'error',
      comment: 'Domain types and helpers depend on nothing but the provider table.',
      from: { path: '(^|/)src/domain/' },
      to: { path: '(^|/)src/(db|services|slack|listeners|http|sandbox|catalogue)/' },
    },
    {
      name: 'services-use-the-store-interface',
      severity: 'error',
      comment: 'Services see storage only through db/store.ts, so another engine fits without touching them.',
      from: { path: '(^|/)src/services/' },
      to: { path: '(^|/)src/db/', pathNot: '(^|/)src/db/store\\.[cm]?[jt]s$' },
    },
    {
      name: 'only-entry-points-compose',
      severity: 'error',
      comment: 'The composition root knows every part; only entry points (main, the CLI, the sandbox) may import it.',
      from: { path: '(^|/)src/', pathNot: '(^|/)src/(main\\.|compose\\.|cli\\.|cli/|sandbox/)' },
      to: { path: '(^|/)src/compose\\.[cm]?[jt]s$' },
    },
    {
      name: 'config-only-at-the-edges',
      severity: 'error',
      comment:
        'The parsed configuration is read by the entry points, the composition root, the app, the logger and the Slack client; everything else is handed what it needs.',
      from: {
        path: '(^|/)src/',
        pathNot: '(^|/)src/(main\\.|compose\\.|cli\\.|cli/|sandbox/|app\\.|logger\\.|config\\.|slack/client\\.)',
      },
      to: { path: '(^|/)src/config\\.[cm]?[jt]s$' },
    },
    {
      name: 'domain-holds-no-infrastructure',
      severity: 'error',
      comment: 'Domain types and rules are plain TypeScript: no package (a schema library, a driver) behind them.',
      from: { path: '(^|/)src/domain/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
      },
    },
    {
      name: 'production-code-never-uses-the-sandbox',
      severity: 'error',
      comment: 'The emulators and the sandbox page are for the sandbox and the tests only.',
      from: { path: '(^|/)src/', pathNot: '(^|/)src/sandbox/' },
      to: { path: '(^|/)src/sandbox/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '(^|/)src/' },
      // (the fixture that proves these rules lives under test/fixtures/ itself)
      to: { path: '(^|/)test/(?!fixtures/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc parses the same sources,
    // type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
