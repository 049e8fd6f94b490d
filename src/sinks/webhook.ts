import { Webhook } from 'standardwebhooks';
import type { HttpClient } from '../providers/http.js';
import type { SinkSender } from './types.js';

/**
 * Webhook sinks, signed per Standard Webhooks (https://www.standardwebhooks.com/): `webhook-id`
 * (one per message, the same on every retry), `webhook-timestamp` (unix seconds of this attempt) and
 * `webhook-signature` (`v1,` + base64 HMAC-SHA256 of "{id}.{timestamp}.{body}", keyed with the
 * base64-decoded part of the `whsec_` secret), computed by the `standardwebhooks` package itself.
 */

/** The secret behind an env var name, or undefined when it is unset. */
export type SecretOf = (envName: string) => string | undefined;

/** Why a signing secret cannot work, or undefined when it can. */
export function webhookSecretProblem(secret: string | undefined): string | undefined {
  if (secret === undefined || secret.trim() === '') return 'is not set';
  try {
    new Webhook(secret.trim());
  } catch {
    return 'is not a whsec_… secret (base64 after the whsec_ prefix)';
  }
  return Buffer.from(secret.trim().replace(/^whsec_/, ''), 'base64').length < 16
    ? 'is too short: use at least 16 random bytes (e.g. whsec_ + 32 base64-encoded random bytes)'
    : undefined;
}

/** The JSON body of a message: `{"type","timestamp","data"}`. */
export function webhookBody(message: Parameters<SinkSender<'webhook'>>[1], includeCredential: boolean): string {
  const data =
    includeCredential && message.credential ? { ...message.data, credential: message.credential } : message.data;
  return JSON.stringify({ type: message.type, timestamp: message.createdAt.toISOString(), data });
}

export function createWebhookSender(
  http: HttpClient,
  secretOf: SecretOf,
  now: () => Date = () => new Date(),
): SinkSender<'webhook'> {
  return async (spec, message, signal) => {
    const secret = secretOf(spec.secretEnv)?.trim();
    if (!secret)
      return {
        ok: false,
        error: `${spec.secretEnv} is not set, so deliveries cannot be signed; set it and restart.`,
        needsAttention: true,
      };
    const body = webhookBody(message, spec.includeCredential);
    const at = now();
    const signature = new Webhook(secret).sign(message.messageId, at, body);
    const result = await http.send({
      provider: 'sink:webhook',
      method: 'POST',
      url: new URL(spec.url),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'reauth-bot',
        'webhook-id': message.messageId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      ...(signal ? { signal } : {}),
    });
    if (result.kind === 'network_error') return { ok: false, error: result.reason, needsAttention: false };
    const { status } = result.response;
    if (status >= 200 && status < 300) return { ok: true };
    return {
      ok: false,
      error: `the receiver answered HTTP ${status}${status === 401 || status === 403 ? ' (does it have the same signing secret?)' : ''}`,
      needsAttention: false,
    };
  };
}
