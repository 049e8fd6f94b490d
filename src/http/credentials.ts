import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteServices } from './services.js';
import type { PullAnswer } from '../services/delivery/credential-pull.js';

/** The Bearer token of a request, if it has one. */
function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The HTTP status of each answer to a consumer (also what /metrics counts). */
const STATUS: Record<PullAnswer['kind'], number> = {
  credential: 200,
  not_modified: 304,
  no_token: 401,
  not_granted: 403,
  not_found: 404,
  rate_limited: 429,
  refresh_failed: 503,
};

/**
 * GET /v1/credentials/{id}: the current credential for a consumer (pull API). Works as an External
 * Secrets Operator webhook store (`jsonPath: $.credential.token`).
 */
export function credentialsRoute(
  services: Pick<RouteServices, 'pullCredential' | 'countCredentialRead' | 'logger'>,
): Route {
  return {
    path: '/v1/credentials/:id',
    method: ['GET'],
    handler: async (req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse) => {
      let id = '';
      try {
        id = decodeURIComponent(req.params?.id ?? '');
      } catch {
        id = '';
      }
      let answer: Awaited<ReturnType<typeof services.pullCredential>>;
      try {
        answer = await services.pullCredential({
          token: bearerOf(req),
          integrationId: id,
          ifNoneMatch: typeof req.headers['if-none-match'] === 'string' ? req.headers['if-none-match'] : undefined,
          source: req.socket.remoteAddress ?? 'unknown',
        });
      } catch (error) {
        // Storage unreachable (a database restart): a consumer should simply try again.
        services.logger.warn(
          { event: 'credential_read_failed', error: (error as Error).name },
          'could not answer a credential read; the consumer was told to retry',
        );
        services.countCredentialRead(503);
        return json(
          res,
          503,
          { error: 'Reauth cannot answer right now (its database is unreachable); try again shortly.' },
          { 'Retry-After': '5' },
        );
      }
      services.countCredentialRead(STATUS[answer.kind]);
      switch (answer.kind) {
        case 'credential':
          return json(res, 200, answer.document, { ETag: answer.etag });
        case 'not_modified':
          res.writeHead(304, { ETag: answer.etag, 'Cache-Control': 'no-store' });
          return res.end();
        case 'no_token':
          return json(
            res,
            401,
            {
              error:
                'A consumer token is required: send Authorization: Bearer <token> (npx reauth-bot consumer-token makes one; list its SHA-256 under consumers: in integrations.yml).',
            },
            { 'WWW-Authenticate': 'Bearer realm="reauth"' },
          );
        case 'not_granted':
          return json(res, 403, {
            error: 'This consumer may not read that integration (see its integrations: list in integrations.yml).',
          });
        case 'rate_limited':
          return json(
            res,
            429,
            { error: `Too many reads: try again in ${answer.retryAfterSeconds} s.` },
            { 'Retry-After': String(answer.retryAfterSeconds) },
          );
        case 'refresh_failed':
          return json(
            res,
            503,
            { error: answer.error },
            answer.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(answer.retryAfterSeconds) },
          );
        case 'not_found':
          return json(res, 404, { error: answer.error });
      }
    },
  };
}
