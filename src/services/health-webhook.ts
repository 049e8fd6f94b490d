import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { HealthStatus } from '../domain/types.js';
import type { HealthStateMachine } from './health.js';
import { verifyWebhookSignature } from './webhook-signature.js';

export interface WebhookDelivery {
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
}

/**
 * What became of one webhook delivery, in the service's words; http/health-webhook.ts says it in HTTP
 * (a status and a JSON body each).
 */
export type WebhookOutcome =
  | { kind: 'disabled' }
  | { kind: 'bad_signature'; message: string }
  | { kind: 'not_json' }
  | { kind: 'bad_shape' }
  | { kind: 'unknown_integration'; integration: string }
  | { kind: 'replayed' }
  | { kind: 'accepted'; health: HealthStatus };

/**
 * POST /webhooks/health (docs/http.md): signed, fresh, never replayed; feeds the same state machine
 * as probes. Every refusal changes nothing.
 */
export function createHealthWebhook(deps: {
  store: Pick<Store, 'integrations' | 'webhookReplays' | 'audit'>;
  health: Pick<HealthStateMachine, 'apply'>;
  clock: Clock;
  secret: string | undefined;
}) {
  return async function receive(delivery: WebhookDelivery): Promise<WebhookOutcome> {
    if (!deps.secret) return { kind: 'disabled' };
    const now = deps.clock.now();
    const check = verifyWebhookSignature(
      deps.secret,
      { timestamp: delivery.timestamp, signature: delivery.signature },
      delivery.body,
      now,
    );
    if (!check.ok) return { kind: 'bad_signature', message: check.message };

    let parsed: { integration?: unknown; status?: unknown; reason?: unknown };
    try {
      parsed = JSON.parse(delivery.body) as typeof parsed;
    } catch {
      return { kind: 'not_json' };
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof parsed.integration !== 'string' ||
      (parsed.status !== 'failing' && parsed.status !== 'healthy') ||
      (parsed.reason !== undefined && typeof parsed.reason !== 'string')
    )
      return { kind: 'bad_shape' };
    const integration = await deps.store.integrations.findActive(parsed.integration);
    if (!integration) return { kind: 'unknown_integration', integration: parsed.integration.slice(0, 64) };
    if (!(await deps.store.webhookReplays.remember(delivery.signature ?? '', now))) return { kind: 'replayed' };

    const reason = (
      typeof parsed.reason === 'string' && parsed.reason.trim()
        ? parsed.reason.trim()
        : 'The external health check reported a failure.'
    ).slice(0, 500);
    await deps.store.audit.record(
      {
        actor: 'webhook',
        integrationId: integration.id,
        action: 'health.webhook',
        outcome: parsed.status,
        detail: { reason },
      },
      now,
    );
    const health = await deps.health.apply(
      await deps.store.integrations.listByCredentialKey(integration.credentialKey),
      {
        outcome:
          parsed.status === 'healthy' ? { kind: 'valid', reason: 'healthy' } : { kind: 'provider_error', reason },
        source: 'webhook',
      },
    );
    return { kind: 'accepted', health };
  };
}

export type HealthWebhook = ReturnType<typeof createHealthWebhook>;
