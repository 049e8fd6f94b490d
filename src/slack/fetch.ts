import { Agent, request } from 'undici';

/**
 * The transport for Slack's Web API: `@slack/web-api`'s documented `fetch` hook
 * (https://docs.slack.dev/tools/node-slack-sdk/web-api), served by undici's `request` over one
 * keep-alive agent instead of the WHATWG `fetch` of Node's bundled undici. The client gets the few
 * Response members it reads (status, headers, text); no stream objects are built per call, and
 * connections to Slack are reused.
 */
export interface SlackTransport {
  fetch: typeof fetch;
  close(): Promise<void>;
}

export function createSlackTransport(): SlackTransport {
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 64 });
  return { fetch: createSlackFetch(agent), close: () => agent.close() };
}

export function createSlackFetch(agent: Agent): typeof fetch {
  const slackFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = init.headers as Record<string, string> | undefined;
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      // Multipart uploads (which Reauth does not make) go through the standard fetch.
      return globalThis.fetch(input, init);
    }
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      ...(headers ? { headers } : {}),
      ...(body === undefined || body === null ? {} : { body }),
      ...(init.signal ? { signal: init.signal } : {}),
      dispatcher: agent,
    });
    const text = await response.body.text();
    const flat: [string, string][] = Object.entries(response.headers).flatMap(([name, value]) =>
      value === undefined
        ? []
        : Array.isArray(value)
          ? value.map((v): [string, string] => [name, v])
          : [[name, value] as [string, string]],
    );
    const lookup = new Map(flat.map(([name, value]) => [name.toLowerCase(), value]));
    const minimal = {
      status: response.statusCode,
      statusText: '',
      ok: response.statusCode >= 200 && response.statusCode < 300,
      url,
      headers: {
        get: (name: string) => lookup.get(name.toLowerCase()) ?? null,
        entries: () => flat[Symbol.iterator](),
        has: (name: string) => lookup.has(name.toLowerCase()),
      },
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
      arrayBuffer: async () => {
        const bytes = Buffer.from(text);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      },
    };
    return minimal as unknown as Response;
  };
  return slackFetch as typeof fetch;
}
