import type { EventType, SinkSpec } from '../domain/delivery.js';

/** One message as a sink adapter receives it; each kind takes what it needs. */
export interface SinkMessage {
  /** Standard Webhooks `webhook-id`: the same on every retry. */
  messageId: string;
  type: EventType;
  createdAt: Date;
  /** The event's data, without secrets. */
  data: Record<string, unknown>;
  /** For `credential.updated`: the credential fields as the pull API returns them. */
  credential?: Record<string, unknown>;
  /** For `credential.updated`: the whole pull API body (what a file sink writes). */
  document?: Record<string, unknown>;
  version?: number;
  fingerprint?: string;
}

/**
 * How an attempt went. A failure's `error` is shown to people (Slack, `reauth-bot list`) and never
 * holds a secret; `needsAttention` marks one that another try will not fix (a refused Vault token).
 */
export type SinkResult = { ok: true; note?: string } | { ok: false; error: string; needsAttention: boolean };

/** `signal` aborts when the attempt's lease is lost: the sender stops, and another worker's attempt is the only one. */
export type SinkSender<K extends SinkSpec['kind'] = SinkSpec['kind']> = (
  spec: Extract<SinkSpec, { kind: K }>,
  message: SinkMessage,
  signal?: AbortSignal,
) => Promise<SinkResult>;

export type SinkSenders = { [K in SinkSpec['kind']]: SinkSender<K> };
