import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHttpClient, retryDelay } from '../../../src/providers/http.js';

/** The one HTTP client's caps, against a loopback server that counts requests in flight. */
describe('HTTP client concurrency caps', () => {
  let server: Server;
  let url: string;
  let inFlight = 0;
  let peak = 0;
  const release: (() => void)[] = [];
  beforeAll(async () => {
    server = createServer((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      release.push(() => {
        inFlight -= 1;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /**
   * Sends the requests, then answers them one at a time, each time only once the client has as many in
   * flight as the cap allows: the cap must be reached, and never exceeded.
   */
  async function peakOf(
    client: ReturnType<typeof createHttpClient>,
    providers: string[],
    cap: number,
  ): Promise<number> {
    peak = 0;
    let remaining = providers.length;
    const sends = providers.map((provider) =>
      client.send({ provider, method: 'GET', url: new URL(`${url}/x`), headers: {} }),
    );
    while (remaining > 0) {
      const expected = Math.min(cap, remaining);
      await vi.waitFor(() => expect(inFlight).toBe(expected));
      release.shift()?.();
      remaining -= 1;
    }
    await Promise.all(sends);
    return peak;
  }

  it('holds each provider to its own cap', async () => {
    const client = createHttpClient({ providerConcurrency: { slow: 2 }, globalConcurrency: 50 });
    try {
      expect(
        await peakOf(
          client,
          Array.from({ length: 10 }, () => 'slow'),
          2,
        ),
      ).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('holds all providers together to the global cap', async () => {
    const client = createHttpClient({ providerConcurrency: { a: 10, b: 10 }, globalConcurrency: 3 });
    try {
      expect(
        await peakOf(
          client,
          Array.from({ length: 12 }, (_, i) => (i % 2 ? 'a' : 'b')),
          3,
        ),
      ).toBe(3);
    } finally {
      await client.close();
    }
  });
});

describe('retry policy', () => {
  const policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
  const response = (status: number, headers: Record<string, string> = {}) => ({
    kind: 'response' as const,
    response: { status, headers, body: '', label: 'GET h/p' },
  });

  it('never retries a credential rejection', () => {
    expect(retryDelay(response(401), 1, policy)).toBeUndefined();
    expect(retryDelay(response(403), 1, policy)).toBeUndefined();
    expect(retryDelay(response(404), 1, policy)).toBeUndefined();
  });

  it('backs off exponentially on 5xx and network errors, capped', () => {
    expect(retryDelay(response(502), 1, policy)).toBe(100);
    expect(retryDelay(response(503), 2, policy)).toBe(200);
    expect(retryDelay({ kind: 'network_error', reason: 'x', label: 'GET h/p' }, 5, policy)).toBe(1000);
    expect(retryDelay(response(501), 1, policy)).toBeUndefined();
  });

  it('honours Retry-After on 429 up to the cap, and backs off without one (Harness)', () => {
    expect(retryDelay(response(429, { 'retry-after': '2' }), 1, policy)).toBe(2000);
    expect(retryDelay(response(429, { 'retry-after': '60' }), 1, policy)).toBeUndefined();
    expect(retryDelay(response(429), 1, policy)).toBe(100);
  });
});

/** Defects found in review: a slow provider must not starve the others, and a POST must never be sent twice. */
describe('HTTP client fairness and idempotence', () => {
  let server: Server;
  let url: string;
  const held: (() => void)[] = [];
  const seen: string[] = [];
  let failNext = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/hang') {
        held.push(() => res.end('{}'));
        return;
      }
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end('{}');
        return;
      }
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a provider whose requests hang holds only its own slots: another provider goes straight through', async () => {
    const client = createHttpClient({ providerConcurrency: { sonarqube: 2, github: 2 }, globalConcurrency: 4 });
    try {
      const hung = Array.from({ length: 10 }, () =>
        client.send({ provider: 'sonarqube', method: 'GET', url: new URL(`${url}/hang`), headers: {} }),
      );
      await vi.waitFor(() => expect(held).toHaveLength(2));
      // Eight SonarQube requests wait for SonarQube's slots; none of them may sit on a global slot.
      const github = await client.send({ provider: 'github', method: 'GET', url: new URL(`${url}/user`), headers: {} });
      expect(github.kind).toBe('response');
      expect(held).toHaveLength(2);
      while (held.length || seen.filter((s) => s.endsWith('/hang')).length < 10) {
        await vi.waitFor(() => expect(held.length).toBeGreaterThan(0));
        held.shift()?.();
      }
      await Promise.all(hung);
    } finally {
      await client.close();
    }
  });

  it('never retries a POST (an OAuth code or refresh token may already be used up), but retries a GET', async () => {
    const client = createHttpClient({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 10 } });
    try {
      seen.length = 0;
      failNext = 1;
      const post = await client.send({
        provider: 'bitbucket',
        method: 'POST',
        url: new URL(`${url}/token`),
        headers: {},
        body: 'grant_type=authorization_code&code=x',
      });
      expect(post.kind === 'response' && post.response.status).toBe(503);
      expect(seen).toEqual(['POST /token']);
      failNext = 1;
      const get = await client.send({ provider: 'bitbucket', method: 'GET', url: new URL(`${url}/user`), headers: {} });
      expect(get.kind === 'response' && get.response.status).toBe(200);
      expect(seen).toEqual(['POST /token', 'GET /user', 'GET /user']);
    } finally {
      await client.close();
    }
  });
});
