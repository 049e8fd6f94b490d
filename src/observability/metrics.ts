import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Reauth's Prometheus metrics (https://prometheus.io/docs/practices/naming/). Labels are bounded:
 * provider (8 keys), outcome kinds (about a dozen), Slack method names and error codes Reauth calls
 * and gets. Never an integration id: a catalogue may hold thousands.
 */
export function createMetrics(
  options: {
    countOpenAlerts?: () => Promise<number>;
    countPendingDeliveries?: () => Promise<number>;
    countDeadDeliveries?: () => Promise<number>;
  } = {},
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const latency = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
  return {
    registry,
    probes: new Counter({
      name: 'reauth_probes_total',
      help: 'Credential probes, by provider and outcome kind.',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    probeSeconds: new Histogram({
      name: 'reauth_probe_duration_seconds',
      help: 'How long one probe of a credential took, by provider.',
      labelNames: ['provider'] as const,
      buckets: latency,
      registers,
    }),
    validationSeconds: new Histogram({
      name: 'reauth_validation_duration_seconds',
      help: 'How long validating a submitted credential took, by provider.',
      labelNames: ['provider'] as const,
      buckets: latency,
      registers,
    }),
    reauthentications: new Counter({
      name: 'reauth_reauthentications_total',
      help: 'Re-authentication attempts, by provider and outcome.',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    oauthFlows: new Counter({
      name: 'reauth_oauth_flows_total',
      help: 'OAuth sign-ins completed or refused at the callback, by provider and outcome.',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    slackErrors: new Counter({
      name: 'reauth_slack_api_errors_total',
      help: 'Slack Web API calls that failed, by method and error code.',
      labelNames: ['method', 'code'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'reauth_deliveries_total',
      help: 'Delivery attempts to sinks, by sink kind and outcome (delivered, failed, superseded, cancelled, dead).',
      labelNames: ['sink', 'outcome'] as const,
      registers,
    }),
    rotations: new Counter({
      name: 'reauth_rotations_total',
      help: 'Automatic rotations, by provider and outcome (rotated, or why not: insufficient_scope, unreachable, invalid_credentials, interrupted, …).',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    tokensMinted: new Counter({
      name: 'reauth_tokens_minted_total',
      help: "Access tokens minted from machine identities' root secrets, by provider and outcome (minted, or why not: invalid_credentials, rate_limited, unreachable, provider_error, …).",
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    droppedEvents: new Counter({
      name: 'reauth_delivery_events_dropped_total',
      help: 'Events (never credentials) dropped because more than 100 were waiting for a sink that stays down.',
      registers,
    }),
    deadDeliveries: new Gauge({
      name: 'reauth_dead_deliveries',
      help: 'Messages given up on after too many attempts or too long; npx reauth-bot deliver --retry-dead sends them again.',
      registers,
      async collect() {
        if (options.countDeadDeliveries) this.set(await options.countDeadDeliveries());
      },
    }),
    unknownLinks: new Counter({
      name: 'reauth_unknown_link_requests_total',
      help: 'Requests naming a one-time page link or an OAuth state Reauth never issued (not audited), by path.',
      labelNames: ['path'] as const,
      registers,
    }),
    credentialReads: new Counter({
      name: 'reauth_credential_reads_total',
      help: 'Consumer API reads, by HTTP status.',
      labelNames: ['status'] as const,
      registers,
    }),
    pendingDeliveries: new Gauge({
      name: 'reauth_pending_deliveries',
      help: 'Messages waiting to reach their sink.',
      registers,
      async collect() {
        if (options.countPendingDeliveries) this.set(await options.countPendingDeliveries());
      },
    }),
    openAlerts: new Gauge({
      name: 'reauth_open_alerts',
      help: 'Alerts currently open.',
      registers,
      async collect() {
        if (options.countOpenAlerts) this.set(await options.countOpenAlerts());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Slack error codes are short snake_case words; anything else (a network message) counts as `other`. */
export const boundedCode = (code: string): string => (/^[a-z_]{1,48}$/.test(code) ? code : 'other');
