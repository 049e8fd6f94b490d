import { writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AppOptions } from '../../src/app.js';
import { compose, type Composition } from '../../src/compose.js';
import { parseConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/sqlite/client.js';
import type { Clock } from '../../src/domain/clock.js';
import type { HttpClient } from '../../src/providers/http.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { startSocketModeServer, type SocketModeServer } from '../../src/sandbox/slack/socket-mode-server.js';
import { captureLogger } from './capture-log.js';
import { tempDir } from './db.js';
import { bytesAtRest, openOwnConnection, testEngine, type OwnConnection } from './engine.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';
import { newKeyText } from './keys.js';
import { testHttpClient } from './providers.js';
import { createSlackDriver, type SlackDriver } from './slack-driver.js';

export const BOT_TOKEN = 'xoxb-1111-2222-TestBotTokenValue';
export const SIGNING_SECRET = 'test-signing-secret-value';
export const APP_TOKEN = 'xapp-1-A0REAUTH-1-TestAppLevelToken';
export const ALERTS = 'C0ALERTS';
export const ADMIN = 'U0ADMIN';
export const OWNER = 'U0OWNER';
export const STRANGER = 'U0STRANGER';
export const GROUP = 'S0PLATFORM';
export const GROUP_MEMBER = 'U0GROUPIE';

/**
 * The lowest port the kernel hands out for outgoing connections and `listen(0)` (Linux's
 * ip_local_port_range): ports below it are never taken by another socket's connect() on its own.
 */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}
const FIRST_PORT = 10_000;

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A port for a server a test starts a moment later. It is chosen at random below the ephemeral range:
 * a port from `listen(0)` is an ephemeral one, which the many loopback connections of the tests running
 * beside it could take as their local port before the server binds it (EADDRINUSE, once in a run).
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (;;) {
    const port = FIRST_PORT + Math.floor(Math.random() * (low - FIRST_PORT));
    if (await bindable(port)) return port;
  }
}

/** A controllable clock: starts now, moves only when told. */
export function manualClock(start = new Date()): Clock & { advance(ms: number): void; set(date: Date): void } {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms) => void (now += ms), set: (d) => void (now = d.getTime()) };
}

/**
 * What tests reach into: the composition, and the test's own SQLite connection to its file for the direct
 * checks of tests that are about SQLite itself (on PostgreSQL, reading it fails and says so).
 */
export type TestDeps = Composition & { db: Db };

export interface TestApp {
  url: string;
  slack: SlackEmulator;
  providers: ProviderEmulator;
  driver: SlackDriver;
  /** The running composition (store, services, monitor, app) and the SQLite handle. */
  deps: TestDeps;
  config: Config;
  logs: ReturnType<typeof captureLogger>;
  dir: string;
  /** Slack's Socket Mode side, when the app runs in Socket Mode. */
  socket: SocketModeServer | undefined;
  /** The PostgreSQL server the app runs on, when REAUTH_TEST_DATABASE=postgres. */
  postgres: TestPostgres | undefined;
  /** What the database keeps at rest (see bytesAtRest), for searching it for secrets. */
  bytesAtRest(): Promise<Buffer>;
  /** The test's own connection to the app's database (opened on first use, closed with the app). */
  database(): OwnConnection['shared'];
  /** Stops the app and starts a new one on the same database and port, as a process restart would; `env` changes variables. */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions extends Omit<AppOptions, 'extraRoutes'> {
  /** The integrations.yml body; `{{providers}}` is replaced by the provider emulator's URL. */
  catalogue: (providers: ProviderEmulator) => string;
  env?: Record<string, string>;
  /** Run in Socket Mode (SLACK_APP_TOKEN set, no signing secret) against an emulated socket. */
  socketMode?: boolean;
  clock?: Clock;
  /** The providers' clock is `clock` too (tokens they issue end on it): for tests that move time past a token's life. */
  providersOnClock?: boolean;
  http?: HttpClient;
  /** Runs once the emulators are up, before the catalogue is written; its result replaces placeholders in the catalogue. */
  beforeStart?: (providers: ProviderEmulator) => Promise<Record<string, string>>;
}

/** The real app in HTTP mode on loopback, against both emulators, with a real SQLite file. */
export async function startTestApp(options: StartOptions): Promise<TestApp> {
  const clock = options.clock;
  const providers = await startProviderEmulator(
    options.providersOnClock && clock ? { now: () => clock.now().getTime() } : {},
  );
  const socket = options.socketMode ? await startSocketModeServer() : undefined;
  const slack = await startSlackEmulator({
    botToken: BOT_TOKEN,
    ...(socket ? { socketMode: { appToken: APP_TOKEN, url: socket.url } } : {}),
  });
  for (const user of [ADMIN, OWNER, STRANGER, GROUP_MEMBER]) slack.addUser(user);
  slack.addUsergroup(GROUP, [GROUP_MEMBER]);
  slack.addChannel(ALERTS, { name: 'alerts' });
  providers.oauth.clients.bitbucket = { clientId: 'bb-client', clientSecret: 'bb-secret' };
  providers.oauth.clients.entra = { clientId: 'entra-client', clientSecret: 'entra-secret' };

  const dir = tempDir();
  const catalogue = join(dir.path, 'integrations.yml');
  let catalogueText = options.catalogue(providers);
  for (const [placeholder, value] of Object.entries((await options.beforeStart?.(providers)) ?? {}))
    catalogueText = catalogueText.replaceAll(placeholder, value);
  writeFileSync(catalogue, catalogueText);
  const port = await freePort();
  const postgres = testEngine() === 'postgres' ? await startTestPostgres() : undefined;
  const environment: Record<string, string> = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_PATH: join(dir.path, 'data', 'reauth.db'),
    REAUTH_SECRET_KEY: newKeyText(),
    INTEGRATIONS_FILE: catalogue,
    REAUTH_ADMINS: ADMIN,
    DEFAULT_ALERT_CHANNEL: ALERTS,
    HEALTH_CHECK_INTERVAL_SECONDS: '0',
    BITBUCKET_OAUTH_CLIENT_ID: 'bb-client',
    BITBUCKET_OAUTH_CLIENT_SECRET: 'bb-secret',
    BITBUCKET_OAUTH_URL: providers.bitbucketOAuthUrl,
    AZURE_OAUTH_CLIENT_ID: 'entra-client',
    AZURE_OAUTH_CLIENT_SECRET: 'entra-secret',
    AZURE_OAUTH_AUTHORITY: providers.azureAuthority,
    LOG_LEVEL: 'debug',
    ...(postgres ? { DATABASE_URL: await postgres.newDatabase() } : {}),
    ...(socket ? { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' } : {}),
    ...options.env,
  };
  const configOf = (env: Record<string, string>): Config => {
    const parsed = parseConfig(env, { slack: true, secretKey: true });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return parsed.config;
  };
  const logs = captureLogger('debug');
  let config = configOf(environment);
  const appOptions: Omit<AppOptions, 'extraRoutes'> = {
    ...(options.fastPathMs === undefined ? {} : { fastPathMs: options.fastPathMs }),
    ...(options.host === undefined ? {} : { host: options.host }),
  };
  const boot = async (): Promise<TestDeps> => {
    const composition = await compose(config, logs.logger, {
      ...(options.clock ? { clock: options.clock } : {}),
      http: options.http ?? testHttpClient(),
      random: () => 0,
      app: appOptions,
      // On PostgreSQL, delivery times follow the test's clock as they do on SQLite.
      storeTime: 'clock',
    });
    await composition.start();
    return Object.defineProperty(composition, 'db', {
      get() {
        const sqlite = ownConnection().sqlite;
        if (sqlite) return sqlite;
        throw new Error('this test reads the SQLite file directly, so it runs on SQLite only');
      },
    }) as TestDeps;
  };
  let own: OwnConnection | undefined;
  /** Opened on first use: the database exists once the first composition has migrated it. */
  const ownConnection = (): OwnConnection => {
    own ??= openOwnConnection(config);
    return own;
  };
  const url = `http://127.0.0.1:${port}`;
  const first = await boot();
  const app: TestApp = {
    url,
    slack,
    providers,
    driver: createSlackDriver({ appUrl: url, signingSecret: SIGNING_SECRET, slack }),
    deps: first,
    config,
    logs,
    dir: dir.path,
    socket,
    postgres,
    database: () => ownConnection().shared,
    bytesAtRest: () =>
      bytesAtRest(ownConnection(), {
        databasePath: config.databasePath,
        ...(postgres ? { pgDataDir: postgres.dataDir } : {}),
      }),
    async restart(env = {}) {
      await app.deps.stop();
      config = configOf({ ...environment, ...env });
      app.config = config;
      app.deps = await boot();
    },
    async close() {
      await app.deps.stop();
      await own?.close();
      await socket?.close();
      await slack.close();
      await providers.close();
      await postgres?.close();
      dir.cleanup();
    },
  };
  return app;
}
