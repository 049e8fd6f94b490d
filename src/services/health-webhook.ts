import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { HealthStateMachine } from './health.js';
import { verifyWebhookSignature } from './webhook-signature.js';

export interface WebhookDelivery {
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

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
  return async function receive(delivery: WebhookDelivery): Promise<WebhookAnswer> {
    if (!deps.secret)
      return {
        status: 404,
        body: { error: 'disabled', message: 'The health webhook is off: set HEALTH_WEBHOOK_SECRET to enable it.' },
      };
    const now = deps.clock.now();
    const check = verifyWebhookSignature(
      deps.secret,
      { timestamp: delivery.timestamp, signature: delivery.signature },
      delivery.body,
      now,
    );
    if (!check.ok) return { status: check.status, body: { error: 'bad_signature', message: check.message } };

    let parsed: { integration?: unknown; status?: unknown; reason?: unknown };
    try {
      parsed = JSON.parse(delivery.body) as typeof parsed;
    } catch {
      return {
        status: 400,
        body: {
          error: 'bad_body',
          message: 'The body must be JSON: {"integration":"<id>","status":"failing"|"healthy","reason":"<text>"}.',
        },
      };
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof parsed.integration !== 'string' ||
      (parsed.status !== 'failing' && parsed.status !== 'healthy') ||
      (parsed.reason !== undefined && typeof parsed.reason !== 'string')
    ) {
      return {
        status: 400,
        body: {
          error: 'bad_body',
          message: 'Expected {"integration":"<id>","status":"failing"|"healthy","reason":"<text>"}.',
        },
      };
    }
    const integration = await deps.store.integrations.findActive(parsed.integration);
    if (!integration)
      return {
        status: 404,
        body: {
          error: 'unknown_integration',
          message: `No integration "${parsed.integration.slice(0, 64)}" in the catalogue.`,
        },
      };
    if (!(await deps.store.webhookReplays.remember(delivery.signature ?? '', now)))
      return {
        status: 409,
        body: { error: 'replayed', message: 'This signature was already used; sign every request anew.' },
      };

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
    const status = await deps.health.apply(
      await deps.store.integrations.listByCredentialKey(integration.credentialKey),
      {
        outcome:
          parsed.status === 'healthy' ? { kind: 'valid', reason: 'healthy' } : { kind: 'provider_error', reason },
        source: 'webhook',
      },
    );
    return { status: 202, body: { status: 'accepted', health: status } };
  };
}

export type HealthWebhook = ReturnType<typeof createHealthWebhook>;
