import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteServices } from './services.js';

/** GET /healthz: 200 {"status":"ok"} once the database is open and the catalogue loaded. */
export function healthzRoute(services: Pick<RouteServices, 'isReady'>): Route {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      const ready = services.isReady();
      res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
    },
  };
}
