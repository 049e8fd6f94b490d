import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBodyLimited } from './read-body.js';
import { recordAudit } from '../db/repositories/audit.js';
import { findActiveIntegration, listIntegrationsByCredentialKey } from '../db/repositories/integrations.js';
import { rememberSignature } from '../db/repositories/webhook-replays.js';
import type { Runtime } from '../runtime.js';
import { applyHealthSignal } from '../services/health.js';
import { verifyWebhookSignature } from '../services/webhook-signature.js';

const MAX_BODY = 64 * 1024;

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** POST /webhooks/health (docs/http.md): signed, fresh, never replayed; feeds the same state machine as probes. */
export function healthWebhookRoute(rt: Runtime) {
  return {
    path: '/webhooks/health',
    method: ['POST'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const secret = rt.config.healthWebhookSecret;
      if (!secret) return reply(res, 404, { error: 'disabled', message: 'The health webhook is off: set HEALTH_WEBHOOK_SECRET to enable it.' });
      const body = await readBodyLimited(req, MAX_BODY);
      if (body === undefined) return reply(res, 413, { error: 'too_large', message: `The body is larger than ${MAX_BODY} bytes.` });
      const now = rt.clock.now();
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const signature = header('x-reauth-signature');
      const check = verifyWebhookSignature(secret, { timestamp: header('x-reauth-timestamp'), signature }, body, now);
      if (!check.ok) return reply(res, check.status, { error: 'bad_signature', message: check.message });

      let parsed: { integration?: unknown; status?: unknown; reason?: unknown };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return reply(res, 400, { error: 'bad_body', message: 'The body must be JSON: {"integration":"<id>","status":"failing"|"healthy","reason":"<text>"}.' });
      }
      if (typeof parsed !== 'object' || parsed === null || typeof parsed.integration !== 'string' || (parsed.status !== 'failing' && parsed.status !== 'healthy') || (parsed.reason !== undefined && typeof parsed.reason !== 'string')) {
        return reply(res, 400, { error: 'bad_body', message: 'Expected {"integration":"<id>","status":"failing"|"healthy","reason":"<text>"}.' });
      }
      const integration = findActiveIntegration(rt.db, parsed.integration);
      if (!integration) return reply(res, 404, { error: 'unknown_integration', message: `No integration "${parsed.integration.slice(0, 64)}" in the catalogue.` });
      if (!rememberSignature(rt.db, signature ?? '', now)) return reply(res, 409, { error: 'replayed', message: 'This signature was already used; sign every request anew.' });

      const reason = (typeof parsed.reason === 'string' && parsed.reason.trim() ? parsed.reason.trim() : 'The external health check reported a failure.').slice(0, 500);
      recordAudit(rt.db, { actor: 'webhook', integrationId: integration.id, action: 'health.webhook', outcome: parsed.status, detail: { reason } }, now);
      const status = await applyHealthSignal(rt, rt.alerts, listIntegrationsByCredentialKey(rt.db, integration.credentialKey), {
        outcome: parsed.status === 'healthy' ? { kind: 'valid', reason: 'healthy' } : { kind: 'provider_error', reason },
        source: 'webhook',
      });
      return reply(res, 202, { status: 'accepted', health: status });
    },
  };
}
