import { randomBytes } from 'node:crypto';

/**
 * Getting credentials out of Reauth: consumers that pull them, sinks they are pushed to, and the
 * outbox rows that carry each new version to each sink.
 */

/** Where an integration's new credential is pushed (`deliver:` in integrations.yml). */
export type SinkSpec =
  | { kind: 'webhook'; key: string; url: string; secretEnv: string; includeCredential: boolean }
  /** KV v2: `{mount}/data/{path}`. */
  | { kind: 'vault'; key: string; mount: string; path: string }
  /** An absolute path (a relative one in the file is resolved against the catalogue's folder). */
  | { kind: 'file'; key: string; path: string };

export type SinkKind = SinkSpec['kind'];

/** A sink as written, before its key is derived. */
export type SinkDefinition = SinkSpec extends infer S ? (S extends SinkSpec ? Omit<S, 'key'> : never) : never;

/** A system allowed to pull credentials (`consumers:` in integrations.yml). */
export interface ConsumerSpec {
  name: string;
  /** Lower-case hex SHA-256 of the consumer's bearer token; the token itself is never stored. */
  tokenSha256: string;
  /** Integration ids or globs ("ado-*") this consumer may read. */
  integrations: string[];
  /** Reads allowed per minute before 429. */
  requestsPerMinute: number;
}

export const DEFAULT_CONSUMER_REQUESTS_PER_MINUTE = 120;

/** The sink's identity: stable across restarts while its definition stays the same. */
export function sinkKeyOf(spec: SinkDefinition): string {
  switch (spec.kind) {
    case 'webhook':
      return `webhook:${spec.url}`;
    case 'vault':
      return `vault:${spec.mount}/data/${spec.path}`;
    case 'file':
      return `file:${spec.path}`;
  }
}

/**
 * How a sink is named to people (Slack, logs, `reauth-bot list`): its kind and where it points. A
 * webhook is shown without its query string, fragment or user info, which often carry a secret
 * (`?sig=…`, `?token=…`): scheme, host and path only, with `?…` where a query was left out.
 */
export function sinkLabel(sinkKey: string): string {
  const colon = sinkKey.indexOf(':');
  if (colon < 0) return sinkKey;
  const kind = sinkKey.slice(0, colon);
  const target = sinkKey.slice(colon + 1);
  if (kind !== 'webhook') return `${kind} ${target}`;
  try {
    const url = new URL(target);
    return `webhook ${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return 'webhook (an unreadable URL)';
  }
}

/** The kind of a sink, from its key: what may be said of one sink to another (never its address). */
export const sinkKindOf = (sinkKey: string): string => sinkKey.slice(0, Math.max(0, sinkKey.indexOf(':'))) || 'sink';

export const EVENT_TYPES = [
  'credential.updated',
  'integration.failing',
  'integration.recovered',
  'credential.expiring',
  'delivery.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * `dead`: given up after too many attempts or too long (kept with its sealed credential, visible, and
 * sent again by `reauth-bot deliver --retry-dead`).
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'superseded', 'cancelled', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message for one sink: a credential version, or an event without secrets. */
export interface Delivery {
  id: number;
  integrationId: string;
  sinkKey: string;
  type: EventType;
  /** Standard Webhooks `webhook-id`: one per message, the same on every retry. */
  messageId: string;
  credentialId: number | null;
  version: number | null;
  /** The credential fields as consumers see them, sealed; erased once delivered or superseded. */
  sealedCredential: string | null;
  keyId: string | null;
  /** Data without secrets (event payloads; a credential version's actor, identity, fingerprint, expiry). */
  data: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  /** The fencing token of the current lease; only its holder may record the attempt's outcome. */
  leaseToken: string | null;
  lastError: string | null;
  /** True when the last failure needs a person (a refused Vault token), not another try. */
  needsAttention: boolean;
  firstFailureAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A new row for the outbox. */
export type NewDelivery = Pick<
  Delivery,
  | 'integrationId'
  | 'sinkKey'
  | 'type'
  | 'messageId'
  | 'credentialId'
  | 'version'
  | 'sealedCredential'
  | 'keyId'
  | 'data'
> & { createdAt: Date };

/** What people see of a sink: its state for the latest version it is meant to carry. */
export interface SinkState {
  integrationId: string;
  sinkKey: string;
  /** `dead`: the newest message for it was given up on (too many attempts, or too old). */
  state: 'pending' | 'delivered' | 'failing' | 'dead' | 'none';
  version: number | null;
  reason: string | null;
  needsAttention: boolean;
  since: Date | null;
  attempts: number;
  nextAttemptAt: Date | null;
  /** Messages given up on for this sink, kept until sent again. */
  dead: number;
}

/** A Standard Webhooks message id: unique per message, kept across retries. */
export const newMessageId = (): string => `msg_${randomBytes(16).toString('base64url')}`;
