import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteServices } from './services.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** GET /metrics: Prometheus text exposition; with METRICS_TOKEN set, only with `Authorization: Bearer <it>`. */
export function metricsRoute(services: Pick<RouteServices, 'metrics'>): Route {
  return {
    path: '/metrics',
    method: ['GET'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const { token, registry } = services.metrics;
      if (token) {
        const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        // Compared as digests: constant time, whatever the lengths.
        if (!timingSafeEqual(digest(given), digest(token))) {
          res.writeHead(401, {
            'WWW-Authenticate': 'Bearer realm="reauth-metrics"',
            'Content-Type': 'text/plain; charset=utf-8',
          });
          res.end('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
          return;
        }
      }
      const body = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
      res.end(body);
    },
  };
}
