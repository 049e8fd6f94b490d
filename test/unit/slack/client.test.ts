import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createSlackClient } from '../../../src/slack/client.js';
import { slackErrorCode } from '../../../src/slack/errors.js';
import { createSlackTransport } from '../../../src/slack/fetch.js';

/** A Web API on loopback answering what each test scripts, and keeping every request it got. */
type Answer = { status: number; headers?: Record<string, string>; body: string };
const received: { method: string; auth: string | undefined; type: string | undefined; body: string }[] = [];
let answers: Answer[] = [];
let server: Server;
let apiUrl: string;

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk: Buffer) => void (text += chunk.toString()));
    request.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer(async (request, response) => {
    received.push({
      method: request.url?.split('/').at(-1) ?? '',
      auth: request.headers.authorization,
      type: request.headers['content-type'],
      body: await read(request),
    });
    const answer = answers.shift() ?? { status: 200, body: '{"ok":true}' };
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client() {
  const parsed = parseConfig(
    { SLACK_BOT_TOKEN: 'xoxb-test-bot', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: apiUrl },
    { slack: true },
  );
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const errors: string[] = [];
  const transport = createSlackTransport();
  const slack = createSlackClient(
    parsed.config,
    createLogger({ level: 'silent' }),
    (method, code) => errors.push(`${method}:${code}`),
    transport,
  );
  return { slack, errors, close: () => transport.close() };
}

async function failure(call: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('the call did not fail');
}

describe("Reauth's Web API client", () => {
  it('posts with the bot token: write methods as JSON, the others as a form with nested values as JSON', async () => {
    const { slack, close } = client();
    received.length = 0;
    answers = [{ status: 200, body: '{"ok":true,"view":{"id":"V1"}}' }];
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'a & b = c' } }];
    const result = await slack.views.open({
      trigger_id: 't.1',
      view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks },
    });
    expect(result.view?.id).toBe('V1');
    const [open] = received;
    expect([open?.method, open?.auth, open?.type]).toEqual([
      'views.open',
      'Bearer xoxb-test-bot',
      'application/json; charset=utf-8',
    ]);
    expect(JSON.parse(open?.body ?? '{}')).toEqual({
      trigger_id: 't.1',
      view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks },
    });
    await slack.chat.postMessage({
      channel: 'C1',
      text: 'hi',
      unfurl_links: false,
      ...({ icon_url: undefined, token: 'xoxb-other' } as object),
    });
    expect([received[1]?.auth, JSON.parse(received[1]?.body ?? '{}')]).toEqual([
      'Bearer xoxb-other',
      { channel: 'C1', text: 'hi', unfurl_links: false },
    ]);
    await slack.conversations.history({ channel: 'C1', limit: 50, ...({ cursor: undefined } as object) });
    const history = received[2];
    expect([history?.method, history?.type]).toEqual(['conversations.history', 'application/x-www-form-urlencoded']);
    expect(Object.fromEntries(new URLSearchParams(history?.body))).toEqual({ channel: 'C1', limit: '50' });
    await close();
  });

  it("throws Slack's errors as WebClient does, and reports each failed call with its code", async () => {
    const { slack, errors, close } = client();
    answers = [{ status: 200, body: '{"ok":false,"error":"channel_not_found"}' }];
    const platform = await failure(slack.chat.postMessage({ channel: 'C404', text: 'x' }));
    expect([platform.code, (platform.data as { error: string }).error]).toEqual([
      'slack_webapi_platform_error',
      'channel_not_found',
    ]);
    answers = [{ status: 429, headers: { 'retry-after': '30' }, body: '' }];
    const limited = await failure(slack.views.open({ trigger_id: 't', view: { type: 'modal' } as never }));
    expect([limited.code, limited.retryAfter, slackErrorCode(limited)]).toEqual([
      'slack_webapi_rate_limited_error',
      30,
      'ratelimited',
    ]);
    answers = [
      { status: 503, body: 'busy' },
      { status: 503, body: 'still busy' },
    ];
    const http = await failure(slack.chat.update({ channel: 'C1', ts: '1.1', text: 'x' }));
    expect([http.code, http.statusCode, slackErrorCode(http)]).toEqual([
      'slack_webapi_http_error',
      503,
      'slack_unreachable',
    ]);
    expect(errors).toEqual([
      'chat.postMessage:channel_not_found',
      'views.open:ratelimited',
      'chat.update:slack_unreachable',
    ]);
    await close();
  });

  it('tries once more after a 5xx, never after a rate limit or an error Slack answered', async () => {
    const { slack, close } = client();
    received.length = 0;
    answers = [
      { status: 502, body: 'bad gateway' },
      { status: 200, body: '{"ok":true,"ts":"2.2"}' },
    ];
    expect((await slack.chat.postMessage({ channel: 'C1', text: 'x' })).ts).toBe('2.2');
    expect(received.map((r) => r.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
    received.length = 0;
    answers = [{ status: 429, headers: { 'retry-after': '1' }, body: '' }];
    await failure(slack.chat.postMessage({ channel: 'C1', text: 'x' }));
    answers = [{ status: 200, body: '{"ok":false,"error":"not_in_channel"}' }];
    await failure(slack.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(received).toHaveLength(2);
    await close();
  });

  it('a Slack that cannot be reached is a request error after one more try', async () => {
    const parsed = parseConfig(
      { SLACK_BOT_TOKEN: 'xoxb-test-bot', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: 'http://127.0.0.1:9/api/' },
      { slack: true },
    );
    if (!parsed.ok) throw new Error('config');
    const transport = createSlackTransport();
    const slack = createSlackClient(parsed.config, createLogger({ level: 'silent' }), undefined, transport);
    const error = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect([error.code, slackErrorCode(error)]).toEqual(['slack_webapi_request_error', 'slack_unreachable']);
    await transport.close();
  });
});
