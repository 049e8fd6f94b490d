import { Agent, errors as undiciErrors, request } from 'undici';
import { createLimiter, type Limiter } from './limiter.js';

/**
 * The one HTTP client for provider calls: timeouts, a global and a per-provider concurrency cap,
 * a response-size cap, no redirects (a credential never follows a redirect to another host),
 * retries with back-off for transient failures of requests safe to repeat (never a POST), and error
 * text without secrets.
 */

export interface HttpRequest {
  /** Which provider's concurrency cap applies. */
  provider: string;
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Abandons the request (and its retries) when aborted: a delivery whose lease was lost stops. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** "GET host/path" for messages: never query values or headers. */
  label: string;
}

export type HttpResult =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'network_error'; reason: string; label: string };

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for; the 429 is returned. */
  maxRetryAfterMs: number;
}

export interface HttpClientOptions {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** A hard deadline for one attempt, headers and body included (undici's own timers are coarse). */
  requestTimeoutMs: number;
  maxResponseBytes: number;
  globalConcurrency: number;
  providerConcurrency: Readonly<Record<string, number>>;
  retry: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_HTTP_OPTIONS: HttpClientOptions = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  maxResponseBytes: 1024 * 1024,
  globalConcurrency: 32,
  providerConcurrency: {},
  retry: { attempts: 3, baseDelayMs: 300, maxDelayMs: 3_000, maxRetryAfterMs: 5_000 },
};

export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResult>;
  close(): Promise<void>;
}

/**
 * Only requests that are safe to repeat are retried. A POST (the OAuth code exchange, a token
 * refresh) may have been used up by the provider before it failed: sent again, a good code turns
 * into invalid_grant. https://www.rfc-editor.org/rfc/rfc9110#name-idempotent-methods
 */
const IDEMPOTENT: ReadonlySet<HttpRequest['method']> = new Set(['GET']);

export function requestLabel(method: string, url: URL): string {
  return `${method} ${url.host}${url.pathname}`;
}

export function createHttpClient(overrides: Partial<HttpClientOptions> = {}): HttpClient {
  const options = { ...DEFAULT_HTTP_OPTIONS, ...overrides };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const agent = new Agent({
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: 10_000,
  });
  const global = createLimiter(options.globalConcurrency);
  const perProvider = new Map<string, Limiter>();
  const limiterFor = (provider: string) => {
    let limiter = perProvider.get(provider);
    if (!limiter) {
      limiter = createLimiter(options.providerConcurrency[provider] ?? 8);
      perProvider.set(provider, limiter);
    }
    return limiter;
  };

  async function once(req: HttpRequest): Promise<HttpResult> {
    const label = requestLabel(req.method, req.url);
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        // undici 7 follows no redirect unless a redirect interceptor is installed; none is.
        dispatcher: agent,
        signal: req.signal
          ? AbortSignal.any([req.signal, AbortSignal.timeout(options.requestTimeoutMs)])
          : AbortSignal.timeout(options.requestTimeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > options.maxResponseBytes) {
          res.body.destroy();
          return {
            kind: 'network_error',
            label,
            reason: `the answer to ${label} was larger than ${options.maxResponseBytes} bytes`,
          };
        }
        chunks.push(chunk as Buffer);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return {
        kind: 'response',
        response: { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8'), label },
      };
    } catch (error) {
      return { kind: 'network_error', label, reason: describeNetworkError(error, req.url) };
    }
  }

  return {
    async send(req) {
      // The provider's own queue first, then a global slot: requests waiting for a slow provider
      // never sit on global slots another provider could use. No slot is held while sleeping.
      const provider = limiterFor(req.provider);
      const attempt = () => provider.run(() => global.run(() => once(req)));
      let result = await attempt();
      if (!IDEMPOTENT.has(req.method)) return result;
      for (let n = 1; n < options.retry.attempts; n += 1) {
        const wait = retryDelay(result, n, options.retry);
        if (wait === undefined || req.signal?.aborted) break;
        await sleep(wait);
        result = await attempt();
      }
      return result;
    },
    close: () => agent.close(),
  };
}

/**
 * How long to wait before retrying, or undefined when the result must not be retried.
 * Credential rejections (401/403) are never retried: providers lock accounts after repeated bad attempts.
 */
export function retryDelay(result: HttpResult, attempt: number, policy: RetryPolicy): number | undefined {
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  if (result.kind === 'network_error') return backoff;
  const { status, headers } = result.response;
  if (status === 429) {
    const after = retryAfterMs(headers, Date.now());
    if (after === undefined) return backoff; // Harness sends no Retry-After
    return after <= policy.maxRetryAfterMs ? after : undefined;
  }
  if (status >= 500 && status !== 501) return backoff;
  return undefined;
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeNetworkError(error: unknown, url: URL): string {
  const host = url.host;
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (error instanceof undiciErrors.ConnectTimeoutError) return `connecting to ${host} timed out`;
  const name = (error as { name?: string }).name;
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return `${host} did not answer in time`;
  }
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${url.hostname} could not be resolved`;
    case 'ECONNREFUSED':
      return `${host} refused the connection`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection to ${host} was cut`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the TLS certificate of ${host} was not accepted (${code})`;
    default:
      return `the request to ${host} failed (${code ?? (error as Error).name ?? 'network error'})`;
  }
}
