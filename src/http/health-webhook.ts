import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBodyLimited } from './read-body.js';
import type { WebhookOutcome } from '../services/health-webhook.js';
import type { Route, RouteServices } from './services.js';

const MAX_BODY = 64 * 1024;

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const EXPECTED = '{"integration":"<id>","status":"failing"|"healthy","reason":"<text>"}';

/** Each outcome of the health webhook as HTTP (docs/http.md): its status and JSON body. */
function answerOf(outcome: WebhookOutcome): [status: number, body: Record<string, unknown>] {
  switch (outcome.kind) {
    case 'disabled':
      return [
        404,
        { error: 'disabled', message: 'The health webhook is off: set HEALTH_WEBHOOK_SECRET to enable it.' },
      ];
    case 'bad_signature':
      return [401, { error: 'bad_signature', message: outcome.message }];
    case 'not_json':
      return [400, { error: 'bad_body', message: `The body must be JSON: ${EXPECTED}.` }];
    case 'bad_shape':
      return [400, { error: 'bad_body', message: `Expected ${EXPECTED}.` }];
    case 'unknown_integration':
      return [
        404,
        { error: 'unknown_integration', message: `No integration "${outcome.integration}" in the catalogue.` },
      ];
    case 'replayed':
      return [409, { error: 'replayed', message: 'This signature was already used; sign every request anew.' }];
    case 'accepted':
      return [202, { status: 'accepted', health: outcome.health }];
  }
}

/** POST /webhooks/health (docs/http.md): reads the body within a limit and hands it to the service. */
export function healthWebhookRoute(services: Pick<RouteServices, 'healthWebhook'>): Route {
  return {
    path: '/webhooks/health',
    method: ['POST'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBodyLimited(req, MAX_BODY);
      if (body === undefined)
        return reply(res, 413, { error: 'too_large', message: `The body is larger than ${MAX_BODY} bytes.` });
      const outcome = await services.healthWebhook({
        timestamp: header(req, 'x-reauth-timestamp'),
        signature: header(req, 'x-reauth-signature'),
        body,
      });
      return reply(res, ...answerOf(outcome));
    },
  };
}
