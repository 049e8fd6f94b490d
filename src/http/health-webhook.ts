import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBodyLimited } from './read-body.js';
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

/** POST /webhooks/health (docs/http.md): reads the body within a limit and hands it to the service. */
export function healthWebhookRoute(services: Pick<RouteServices, 'healthWebhook'>): Route {
  return {
    path: '/webhooks/health',
    method: ['POST'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBodyLimited(req, MAX_BODY);
      if (body === undefined)
        return reply(res, 413, { error: 'too_large', message: `The body is larger than ${MAX_BODY} bytes.` });
      const answer = await services.healthWebhook({
        timestamp: header(req, 'x-reauth-timestamp'),
        signature: header(req, 'x-reauth-signature'),
        body,
      });
      return reply(res, answer.status, answer.body);
    },
  };
}
