import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteServices } from './services.js';

/**
 * GET /healthz (readiness): 200 {"status":"ok"} once the database is open, the catalogue loaded and Slack
 * accepted the bot token at start, and while the database answers; 503 before that, while the database
 * does not answer (PostgreSQL restarting: the load balancer sends traffic to other replicas), and from the
 * moment a shutdown begins.
 */
export function healthzRoute(services: Pick<RouteServices, 'isReady' | 'databaseReachable'>): Route {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: async (_req: IncomingMessage, res: ServerResponse) => {
      const status = !services.isReady()
        ? 'starting'
        : (await services.databaseReachable())
          ? 'ok'
          : 'database_unreachable';
      res.writeHead(status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ status }));
    },
  };
}

/** GET /livez: the process and its event loop answer. Restart it when this fails; /healthz is for traffic. */
export function livezRoute(): Route {
  return {
    path: '/livez',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ status: 'alive' }));
    },
  };
}
