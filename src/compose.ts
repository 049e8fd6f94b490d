import { createApp, type AppOptions, type Route } from './app.js';
import { loadCatalogueFile } from './catalogue/load.js';
import { watchCatalogue } from './catalogue/watch.js';
import { syncCatalogue, type SyncSummary } from './catalogue/sync.js';
import { formatCatalogueError, type CatalogueResult } from './catalogue/types.js';
import type { Config } from './config.js';
import { createKeyring, type Keyring } from './crypto/keyring.js';
import { openSqliteStore } from './db/sqlite/store.js';
import { plainDatabaseConnection } from './db/postgres/client.js';
import { openPostgresStore } from './db/postgres/store.js';
import type { Store } from './db/store.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Logger } from './logger.js';
import { boundedCode, createMetrics } from './observability/metrics.js';
import { createHttpClient, DEFAULT_HTTP_OPTIONS, type HttpClient } from './providers/http.js';
import { oauthEndpoints, oauthSetupHint } from './providers/oauth.js';
import { providerConcurrencyCaps } from './providers/registry.js';
import { channelResolver, createAlerts } from './services/alerts.js';
import { createAnnouncer, createRotationAnnouncer } from './services/announce-reauth.js';
import { createCredentialCommit } from './services/credential-commit.js';
import { createRotationService } from './services/rotation.js';
import { createRotateNow } from './services/rotate-now.js';
import { createAuthoriser } from './services/authorisation.js';
import { createDirectory } from './services/directory.js';
import { createHealthStateMachine, type HealthPolicy } from './services/health.js';
import { createHealthWebhook } from './services/health-webhook.js';
import { createInFlight } from './services/in-flight.js';
import { createKeyedLock } from './keyed-lock.js';
import { createAlertUpkeep } from './services/monitor/alert-upkeep.js';
import { createCheckNow } from './services/monitor/check-now.js';
import { createExpiryWarnings } from './services/monitor/expiry-warnings.js';
import { createHealthMonitor } from './services/monitor/monitor.js';
import { createMintAhead } from './services/monitor/mint-ahead.js';
import { isMachineIdentity } from './domain/integration.js';
import { createProbeRunner } from './services/monitor/probe-runner.js';
import { createReminders } from './services/monitor/reminders.js';
import { createOAuthFlow } from './services/oauth-flow.js';
import { createOAuthStates } from './services/oauth-states.js';
import { createProber } from './services/probe.js';
import { createReauthEntry } from './services/reauth-entry.js';
import { createReauthService } from './services/reauthenticate.js';
import { createWebForm } from './services/web-form.js';
import { createWebFormLinks } from './services/web-form-link.js';
import { createUnknownLinks } from './services/unknown-links.js';
import { createHousekeeping } from './services/housekeeping.js';
import { createSnooze } from './services/snooze.js';
import { deliveryConfigProblems } from './services/delivery/config-check.js';
import { createConsumerRegistry } from './services/delivery/consumer-registry.js';
import { createCredentialPull } from './services/delivery/credential-pull.js';
import { createDeliveryAlerts } from './services/delivery/delivery-alerts.js';
import { createEventQueue } from './services/delivery/events.js';
import { createDeliveryBell, createDeliveryLoop } from './services/delivery/loop.js';
import { createDeliveryNotices } from './services/delivery/notices.js';
import { createOutboxPlanner, type SinksOf } from './services/delivery/outbox.js';
import { createSinkStates } from './services/delivery/sink-states.js';
import { createDeliveryWorker } from './services/delivery/worker.js';
import { machineEndpointsOf } from './providers/machine/settings.js';
import { createAccessTokens } from './services/access-tokens.js';
import { createSinkSenders } from './sinks/senders.js';
import { createSlackClient } from './slack/client.js';
import { createSlackTransport } from './slack/fetch.js';
import { createMetadataSigner } from './slack/metadata.js';

/**
 * The composition root: the one place that knows every part. It opens and migrates the store,
 * loads and syncs the catalogue, then builds each service with only the collaborators it needs,
 * and the app on top. Only entry points (main, the CLI, the sandbox, tests) import it.
 */

/** A catalogue that loaded: its entries, consumers and warnings. */
type LoadedCatalogue = Extract<CatalogueResult, { ok: true }>;

/**
 * The engine DATABASE_URL chooses: PostgreSQL (several replicas may share it), or by default one
 * SQLite file. Either is migrated before it is returned.
 */
export async function openStore(
  config: Config,
  logger?: Logger,
  clock: Clock = systemClock,
  time: StoreTimeSource = 'database',
): Promise<Store> {
  if (config.databaseUrl) {
    const plain = plainDatabaseConnection(config.databaseUrl);
    if (plain) logger?.warn({ event: 'database_tls_unverified', host: plain.host }, plain.message);
    return openPostgresStore(config.databaseUrl, clock, {
      time,
      onPoolError: (error) =>
        logger?.warn(
          { event: 'database_connection_lost', error: error.message },
          'a database connection was lost; the next operation opens a new one',
        ),
    });
  }
  return openSqliteStore(config.databasePath, clock);
}

export class StartupError extends Error {
  override name = 'StartupError';
  constructor(
    message: string,
    /** The stable `event` name of the log line that reports it. */
    readonly event: 'catalogue_invalid' | 'config_invalid',
  ) {
    super(message);
  }
}

/** How long a graceful stop waits for work in flight. */
export const SHUTDOWN_LIMIT_MS = 10_000;

export interface CoreOptions {
  clock?: Clock;
  http?: HttpClient;
  /** The monitor's jitter source (tests pass a fixed one). */
  random?: () => number;
  /** How often the monitor looks for due work. */
  tickMs?: number;
  policy?: HealthPolicy;
  /** How often the delivery worker looks for due retries. */
  deliveryTickMs?: number;
  /** How long a delivery is leased and how often the lease is renewed (test processes killed mid-delivery shorten it). */
  deliveryLease?: { leaseMs: number; renewMs: number };
  /**
   * Where PostgreSQL's "now" comes from: the database server (always, in production), or `clock` — for
   * tests that move time (see StoreTime). SQLite always uses the clock.
   */
  storeTime?: StoreTimeSource;
}

export interface ComposeOptions extends CoreOptions {
  app?: Omit<AppOptions, 'extraRoutes'> & { extraRoutes?: (parts: CompositionParts) => Route[] };
}

/** See CoreOptions.storeTime. */
export type StoreTimeSource = 'database' | 'clock';

/** Opens the store and syncs the catalogue: what the server and every CLI command that reads state share. */
export async function openState(
  config: Config,
  clock: Clock = systemClock,
  logger?: Logger,
  time: StoreTimeSource = 'database',
): Promise<{ store: Store; sync: SyncSummary; catalogue: LoadedCatalogue }> {
  const catalogue = loadCatalogueFile(config.integrationsFile);
  if (!catalogue.ok) {
    throw new StartupError(
      [`${config.integrationsFile} is invalid:`, ...catalogue.errors.map((e) => `  - ${formatCatalogueError(e)}`)].join(
        '\n',
      ),
      'catalogue_invalid',
    );
  }
  const store = await openStore(config, logger, clock, time);
  try {
    return { store, sync: await syncCatalogue(store, catalogue.entries, clock.now()), catalogue };
  } catch (error) {
    await store.close();
    throw error;
  }
}

export function createProviderHttpClient(): HttpClient {
  return createHttpClient({ providerConcurrency: providerConcurrencyCaps() });
}

/**
 * The core: the store, the providers, every service, the monitor, the delivery loop and their lifecycle —
 * no Bolt app, listeners or routes. The CLI's commands that need services (rotate) and composeApp build on it.
 */
export async function composeCore(config: Config, logger: Logger, options: CoreOptions = {}) {
  if (!config.secretKey) throw new StartupError('REAUTH_SECRET_KEY is required.', 'config_invalid');
  const clock = options.clock ?? systemClock;
  const { store, sync, catalogue } = await openState(config, clock, logger, options.storeTime);
  const deliveryProblems = deliveryConfigProblems(catalogue.entries, config);
  if (deliveryProblems.length > 0) {
    await store.close();
    throw new StartupError(
      [
        `${config.integrationsFile} names delivery settings that cannot work:`,
        ...deliveryProblems.map((p) => `  - ${p}`),
      ].join('\n'),
      'catalogue_invalid',
    );
  }
  for (const warning of catalogue.warnings) logger.warn({ event: 'catalogue_warning' }, warning);
  const keyring: Keyring = createKeyring(config.secretKey, config.previousKeys);
  const http = options.http ?? createProviderHttpClient();
  const metrics = createMetrics({
    countOpenAlerts: async () => (await store.alerts.listOpen()).length,
    countPendingDeliveries: () => store.deliveries.pendingCount(),
    countDeadDeliveries: () => store.deliveries.deadCount(),
  });
  const sinksByIntegration = new Map(catalogue.entries.map((e) => [e.id, e.deliver]));
  const rotationPolicies = new Map(catalogue.entries.flatMap((e) => (e.rotate ? [[e.id, e.rotate] as const] : [])));
  const sinksOf: SinksOf = (integrationId) => sinksByIntegration.get(integrationId) ?? [];
  const outbox = createOutboxPlanner({ sinksOf, keyring });
  const slackTransport = createSlackTransport();
  const slack = createSlackClient(
    config,
    logger,
    (method, code) => metrics.slackErrors.inc({ method, code: boundedCode(code) }),
    slackTransport,
  );
  const signer = createMetadataSigner(config.secretKey, config.previousKeys);
  // Probes of one credential never overlap in this process; what changes a credential (re-authentication,
  // an OAuth refresh, a rotation) takes the store's lock, which holds across replicas on PostgreSQL.
  const probeLock = createKeyedLock();
  const oauthEndpointsOf = (provider: Parameters<typeof oauthEndpoints>[1]) => oauthEndpoints(config, provider);
  const channelOf = channelResolver(config.defaultAlertChannel);
  const intervalMs = config.healthCheckIntervalSeconds * 1000;

  const authoriser = createAuthoriser({ admins: config.admins, slack, clock, logger });
  const alerts = createAlerts({ store, slack, authoriser, logger, clock, defaultChannel: config.defaultAlertChannel });
  // Whatever queues messages rings; the delivery loop, built once the rotation it sweeps exists, answers.
  const newDeliveries = createDeliveryBell();
  const events = createEventQueue({ store, outbox, clock, metrics, kick: newDeliveries.ring });
  const health = createHealthStateMachine({
    store,
    alerts,
    clock,
    events,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const notices = createDeliveryNotices({ store, slack, clock, logger });
  const inflight = createInFlight();
  const announceReauth = createAnnouncer({ alerts, slack, logger, channelOf, notices });
  const announceRotation = createRotationAnnouncer({ alerts, slack, logger, channelOf, notices });
  // Every credential change, whichever way it came in, and then its consequences in Slack.
  const credentialCommit = createCredentialCommit({
    store,
    keyring,
    clock,
    logger,
    credentialLock: store.withCredentialLock,
    metrics,
    outbox,
    kickDeliveries: newDeliveries.ring,
    inflight,
    onCommitted: (change) =>
      change.how === 'rotation'
        ? announceRotation({ ...change, previousNote: change.previousNote ?? '' })
        : announceReauth({ ...change, how: change.how, credentialId: change.credential.id }),
  });
  const machineEndpoints = machineEndpointsOf(config);
  // OAuth tokens refreshed, machine identities' tokens minted: one way to keep an access token valid.
  const accessTokens = createAccessTokens({
    store,
    keyring,
    http,
    clock,
    logger,
    renew: credentialCommit.renew,
    oauthEndpointsOf,
    oauthSetupHintOf: oauthSetupHint,
    machineEndpoints,
    metrics,
  });
  const probe = createProber({ store, keyring, http, clock, accessTokens });
  const deliveryAlerts = createDeliveryAlerts({ store, alerts, outbox, sinksOf, clock, logger, metrics });
  const worker = createDeliveryWorker({
    store,
    keyring,
    senders: createSinkSenders(http, config),
    sinksOf,
    clock,
    logger,
    random: options.random ?? Math.random,
    metrics,
    ...options.deliveryLease,
    async onAttempt(report) {
      await deliveryAlerts.afterAttempt(report);
      if (report.delivery.credentialId !== null) await notices.refresh(report.delivery.credentialId);
    },
  });
  const housekeeping = createHousekeeping({ store, clock, logger, auditRetentionDays: config.auditRetentionDays });
  const consumers = createConsumerRegistry({
    store,
    slack,
    channelOf,
    clock,
    logger,
    initial: catalogue.consumers,
    file: config.integrationsFile,
    load: () => {
      const reloaded = loadCatalogueFile(config.integrationsFile);
      return reloaded.ok
        ? { ok: true, consumers: reloaded.consumers }
        : { ok: false, errors: reloaded.errors.map(formatCatalogueError) };
    },
  });
  const pullCredential = createCredentialPull({
    store,
    consumers: consumers.current,
    keyring,
    clock,
    logger,
    accessTokens,
    health,
  });
  let ready = false;
  let stopping = false;
  let watcher: { close(): void } | undefined;
  const rotation = createRotationService({
    store,
    keyring,
    http,
    clock,
    logger,
    commit: credentialCommit,
    rotateOf: (id) => rotationPolicies.get(id),
    health,
    metrics,
  });
  /** Between attempts: delivery alerts, held rotation answers, and the tokens rotations replaced once their successor is delivered everywhere. */
  async function sweepDeliveries(): Promise<void> {
    await deliveryAlerts.sweep();
    // A rotated token whose check was inconclusive is checked again, and an attempt nobody works on is settled.
    await rotation.settleDue();
    // Credentials awaiting a confirmation that never came are erased; the audit log is pruned once a day.
    await housekeeping.sweep();
    await rotation.revokePrevious();
  }
  const delivery = {
    worker,
    alerts: deliveryAlerts,
    ...createDeliveryLoop(worker, { sweep: sweepDeliveries }, logger, clock, options.deliveryTickMs),
  };
  newDeliveries.answerWith(delivery.kick);
  const runner = createProbeRunner({
    store,
    probe,
    health,
    clock,
    logger,
    probeLock,
    rotateIfDue: rotation.rotateIfDue,
    settleHeldRotation: rotation.settleHeldFor,
    intervalMs,
    concurrency: DEFAULT_HTTP_OPTIONS.globalConcurrency,
    providerConcurrency: providerConcurrencyCaps(),
    random: options.random ?? Math.random,
    metrics,
    stopping: () => stopping,
  });
  const upkeep = createAlertUpkeep({ store, alerts, clock });
  const jobs = {
    runDue: runner.runDue,
    sendReminders: createReminders({
      store,
      slack,
      authoriser,
      clock,
      logger,
      reminderMs: config.reminderIntervalHours * 3600 * 1000,
    }),
    sendExpiryWarnings: createExpiryWarnings({
      store,
      slack,
      authoriser,
      clock,
      logger,
      channelOf,
      events,
      rotationStatus: (integrations) => rotation.status(integrations),
    }),
    retryAlertPosts: upkeep.retryAlertPosts,
    closeOrphanAlerts: upkeep.closeOrphanAlerts,
    mintAhead: createMintAhead({
      store,
      keyring,
      clock,
      logger,
      accessTokens,
      withSinks: catalogue.entries
        .filter((e) => e.deliver.length > 0 && isMachineIdentity({ provider: e.provider, authType: e.auth }))
        .map((e) => e.id),
      health,
    }),
  };
  const monitor = {
    ...jobs,
    ...createHealthMonitor(
      jobs,
      { intervalMs, ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }) },
      logger,
    ),
  };
  const reauth = createReauthService({
    store,
    keyring,
    http,
    clock,
    logger,
    authoriser,
    credentialLock: store.withCredentialLock,
    metrics,
    commit: credentialCommit.commit,
    machineEndpoints,
  });
  // Links and sign-in states Reauth never issued: counted and throttled per source, never audited.
  const unknownLinks = createUnknownLinks({ clock, logger, metrics });
  const webForm = createWebForm({
    store,
    reauth,
    authoriser,
    clock,
    publicUrl: config.publicUrl,
    unknownLinks,
    links: createWebFormLinks(config.secretKey, config.previousKeys),
  });
  const oauth = createOAuthFlow({
    store,
    states: createOAuthStates({ store, keyring }),
    http,
    clock,
    commit: credentialCommit.commit,
    authoriser,
    oauthEndpointsOf,
    oauthSetupHintOf: oauthSetupHint,
    publicUrl: config.publicUrl,
    metrics,
    unknownLinks,
  });
  const services = {
    authoriser,
    alerts,
    health,
    probe,
    reauth,
    credentialCommit,
    accessTokens,
    oauth,
    checkNow: createCheckNow({ store, runner, authoriser, clock }),
    rotateNow: createRotateNow({ store, rotation, authoriser, clock }),
    entry: createReauthEntry({ store, authoriser, oauth, signer, clock, secretEntry: config.secretEntry, webForm }),
    directory: createDirectory({ store, authoriser, rotationOf: (integrations) => rotation.standing(integrations) }),
    snooze: createSnooze({ store, authoriser, clock }),
    healthWebhook: createHealthWebhook({ store, health, clock, secret: config.healthWebhookSecret }),
    notices,
    sinkStates: createSinkStates({ store, sinksOf }),
  };

  /** Everything but the app: what entry points reach into, and what extra routes (the sandbox page) are built from. */
  const parts = {
    config,
    logger,
    clock,
    store,
    keyring,
    http,
    slack,
    sync,
    catalogue,
    services,
    metrics,
    monitor,
    delivery,
    rotation,
  };
  return {
    parts,
    /** What only the app needs besides the parts. */
    forApp: { slackTransport, signer, inflight, oauth, webForm, pullCredential },
    reloadConsumers: consumers.reload,
    /** Ready for traffic: started, not stopping, the store open (/healthz). */
    isReady: () => ready && !stopping && store.isOpen(),
    isStopping: () => stopping,
    /** Starts the background work (and, when asked, the monitor); the app, if any, is started first. */
    async start(startOptions: CoreStartOptions = {}): Promise<void> {
      // A rotation this process (or a replica) was killed in the middle of is settled before anything else runs.
      await rotation
        .settleInterrupted()
        .catch((error: unknown) =>
          logger.error(
            { event: 'rotation_settle_failed', error: (error as Error).message },
            'could not settle interrupted rotations; they are settled at the next start',
          ),
        );
      await consumers
        .applyGrants()
        .catch((error: unknown) =>
          logger.error(
            { event: 'consumer_grants_failed', error: (error as Error).message },
            'could not record the consumer grants of integrations.yml; they are recorded at the next reload',
          ),
        );
      if (startOptions.watchCatalogue ?? true)
        watcher = watchCatalogue(config.integrationsFile, () => void consumers.reload());
      ready = true;
      if (startOptions.monitor) monitor.start();
      if (startOptions.delivery ?? true) delivery.start();
    },
    /**
     * A graceful stop: not ready at once; the monitor starts no new probe; work in flight finishes, for at
     * most `limitMs`; then `closeApp` (the app's server), the HTTP client, the Slack transport and the
     * store close. Resolves whether everything in flight finished.
     */
    async stop(limitMs = SHUTDOWN_LIMIT_MS, closeApp: () => Promise<void> = async () => undefined): Promise<boolean> {
      ready = false;
      stopping = true;
      watcher?.close();
      const drained = await inflight.drain(limitMs);
      await monitor.stop();
      await delivery.stop();
      await closeApp();
      await http.close();
      await slackTransport.close();
      await store.close();
      return drained;
    },
  };
}

export type Core = Awaited<ReturnType<typeof composeCore>>;

export interface CoreStartOptions {
  monitor?: boolean;
  delivery?: boolean;
  watchCatalogue?: boolean;
}

/** The app on a core: Bolt, its listeners and the HTTP routes, started before the core's background work. */
export function composeApp(core: Core, options: ComposeOptions['app'] = {}) {
  const { parts, forApp } = core;
  const { config, logger, clock, store, slack, metrics, services } = parts;
  const { extraRoutes, ...appOptions } = options;
  const app = createApp(
    {
      config,
      logger,
      slackTransport: forApp.slackTransport,
      listeners: { slack, logger, signer: forApp.signer, inflight: forApp.inflight, ...services },
      routes: {
        slack,
        logger,
        publicUrl: config.publicUrl,
        oauth: forApp.oauth,
        webForm: forApp.webForm,
        healthWebhook: services.healthWebhook,
        isReady: core.isReady,
        databaseReachable: () => store.ping(),
        isStopping: core.isStopping,
        inflight: forApp.inflight,
        rememberSignature: (signature) => store.webhookReplays.remember(signature, clock.now()),
        metrics: { registry: metrics.registry, token: config.metricsToken },
        pullCredential: forApp.pullCredential,
        countCredentialRead: (status) => metrics.credentialReads.inc({ status: String(status) }),
      },
    },
    { ...appOptions, ...(extraRoutes ? { extraRoutes: extraRoutes(parts) } : {}) },
  );
  /** stop() without start() (a CLI command that composes to use the services) closes what is open. */
  let appStarted = false;
  return {
    ...parts,
    app,
    reloadConsumers: core.reloadConsumers,
    /** Starts the app (and, when asked, the monitor); /healthz turns ready once requests are accepted. */
    async start(startOptions: CoreStartOptions = {}): Promise<{ port: number }> {
      const started = await app.start();
      appStarted = true;
      await core.start(startOptions);
      return started;
    },
    /**
     * A graceful stop (SIGTERM): /healthz turns 503 at once and new Slack requests are told to try
     * again; the monitor starts no new probe; work in flight (validations, OAuth callbacks, routes)
     * finishes, for at most `limitMs`; then the app, the HTTP client and the store close. Resolves
     * whether everything in flight finished.
     */
    stop: (limitMs = SHUTDOWN_LIMIT_MS): Promise<boolean> =>
      core.stop(limitMs, async () => {
        if (appStarted) await app.stop();
      }),
  };
}

/** The whole of Reauth: the core and its app. */
export async function compose(config: Config, logger: Logger, options: ComposeOptions = {}) {
  return composeApp(await composeCore(config, logger, options), options.app);
}

export type Composition = Awaited<ReturnType<typeof compose>>;

/** The composition without its app: what extra routes are built from. */
export type CompositionParts = Omit<Composition, 'app' | 'start' | 'stop' | 'reloadConsumers'>;
