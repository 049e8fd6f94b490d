import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../runtime.js';

/** GET /healthz: 200 {"status":"ok"} once the database is open and the catalogue loaded. */
export function healthzRoute(rt: Runtime) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      const ready = rt.ready && rt.db.$client.open;
      res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
    },
  };
}
