import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson, sendText } from '../providers/http-utils.js';
import { checkMessage, checkView } from './block-kit-limits.js';

/**
 * A loopback Slack Web API. It records every call and enforces what real Slack enforces:
 * trigger_id valid 3 s and single use, views.update of an unknown view → not_found, channel
 * membership, Block Kit limits; it can inject ratelimited (429 + Retry-After), 5xx and errors.
 */

type Args = Record<string, unknown>;

export interface RecordedCall {
  at: number;
  method: string;
  args: Args;
  ok: boolean;
  error?: string;
  /** The `ts` or view id the call created or changed. */
  ref?: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[];
  user: string | undefined;
  ephemeral: boolean;
  updatedAt: number | undefined;
  /** Message metadata (https://docs.slack.dev/messaging/message-metadata), as posted. */
  metadata: { event_type: string; event_payload: Record<string, unknown> } | undefined;
}

export interface StoredView {
  id: string;
  view: Args;
  hash: string;
  userId: string;
  rootId: string;
  closed: boolean;
  /** Field errors from a `response_action: errors` ack, shown under the inputs. */
  errors?: Record<string, string>;
}

export interface ResponseUrlPost {
  id: string;
  at: number;
  body: Args;
}

export interface Injection {
  error: string;
  /** HTTP status: 200 with ok:false (default), 429 ratelimited, 5xx. */
  status?: number;
  retryAfter?: number;
  times?: number;
}

export interface SlackEmulator {
  readonly url: string;
  /** Base for SLACK_API_URL (ends with /api/). */
  readonly apiUrl: string;
  readonly botUserId: string;
  readonly calls: readonly RecordedCall[];
  callsOf(method: string): RecordedCall[];
  readonly messages: readonly StoredMessage[];
  readonly responses: readonly ResponseUrlPost[];
  view(id: string): StoredView | undefined;
  home(userId: string): Args | undefined;
  /** A trigger_id as Slack puts in an interaction: valid 3 s, single use. */
  mintTrigger(): string;
  /** A response_url as Slack puts in an interaction: 5 uses within 30 minutes. */
  mintResponseUrl(): string;
  /** The person closes a modal: later views.update of it answers not_found. */
  closeView(id: string): void;
  /** What Slack does with the app's answer to a view_submission (update, errors, clear, or close). */
  applySubmissionAck(viewId: string, ack: unknown): void;
  /** Answers to a view_submission whose view Slack would refuse (the person sees a connection error), with why. */
  readonly refusedAcks: readonly { viewId: string; problems: string[] }[];
  addUser(id: string, profile?: { name?: string; realName?: string; tz?: string }): void;
  addUsergroup(id: string, users: string[]): void;
  addChannel(id: string, options?: { name?: string; member?: boolean }): void;
  removeChannel(id: string): void;
  inject(method: string, injection: Injection): void;
  clearInjections(): void;
  close(): Promise<void>;
}

export interface SlackEmulatorOptions {
  botToken: string;
  /** Socket Mode: the app-level token apps.connections.open accepts, and where it points. */
  socketMode?: { appToken: string; url: string };
  port?: number;
  now?: () => number;
}

const TRIGGER_LIFETIME_MS = 3000;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;

export async function startSlackEmulator(options: SlackEmulatorOptions): Promise<SlackEmulator> {
  const now = options.now ?? Date.now;
  const calls: RecordedCall[] = [];
  const messages: StoredMessage[] = [];
  const responses: ResponseUrlPost[] = [];
  const views = new Map<string, StoredView>();
  const refusedAcks: { viewId: string; problems: string[] }[] = [];
  const homes = new Map<string, Args>();
  const triggers = new Map<string, { issuedAt: number; used: boolean }>();
  const responseUrls = new Map<string, { issuedAt: number; uses: number }>();
  const users = new Map<string, { name: string; realName: string; tz: string }>();
  const usergroups = new Map<string, string[]>();
  const channels = new Map<string, { name: string; member: boolean }>();
  const injections = new Map<string, Injection[]>();
  const botUserId = 'UREAUTHBOT';
  let tsCounter = 0;
  let url = '';

  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor(now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };
  const newId = (prefix: string) => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;
  const dmChannelOf = (userId: string) => `D${userId.slice(1)}`;

  function resolveChannel(channel: unknown): { id: string; error?: string } {
    if (typeof channel !== 'string' || !channel) return { id: '', error: 'channel_not_found' };
    if (/^[UW]/.test(channel))
      return users.has(channel) ? { id: dmChannelOf(channel) } : { id: '', error: 'user_not_found' };
    if (channel.startsWith('D')) return { id: channel };
    const known = channels.get(channel);
    if (!known) return { id: channel, error: 'channel_not_found' };
    if (!known.member) return { id: channel, error: 'not_in_channel' };
    return { id: channel };
  }

  function useTrigger(triggerId: unknown): string | undefined {
    const trigger = typeof triggerId === 'string' ? triggers.get(triggerId) : undefined;
    if (!trigger) return 'invalid_trigger_id';
    if (trigger.used) return 'exchanged_trigger_id';
    trigger.used = true;
    if (now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return 'expired_trigger_id';
    return undefined;
  }

  function storeView(view: Args, userId: string, rootId?: string, id = newId('V')): StoredView {
    const stored: StoredView = {
      id,
      view,
      hash: randomBytes(6).toString('hex'),
      userId,
      rootId: rootId ?? id,
      closed: false,
    };
    views.set(id, stored);
    return stored;
  }

  const viewPayload = (v: StoredView) => ({ id: v.id, hash: v.hash, root_view_id: v.rootId, ...v.view });

  type Result = { body: Args; ref?: string };

  const methods: Record<string, (args: Args) => Result> = {
    'auth.test': () => ({
      body: {
        ok: true,
        url: `${url}/`,
        team: 'Sandbox',
        user: 'reauth',
        team_id: 'T0SANDBOX',
        user_id: botUserId,
        bot_id: 'B0REAUTH',
      },
    }),
    'users.info': (args) => {
      const user = users.get(String(args.user));
      if (!user) return { body: { ok: false, error: 'user_not_found' } };
      return {
        body: {
          ok: true,
          user: {
            id: args.user,
            name: user.name,
            real_name: user.realName,
            tz: user.tz,
            profile: { real_name: user.realName, display_name: user.name },
          },
        },
      };
    },
    'usergroups.users.list': (args) => {
      const members = usergroups.get(String(args.usergroup));
      return members ? { body: { ok: true, users: members } } : { body: { ok: false, error: 'no_such_subteam' } };
    },
    'conversations.info': (args) => {
      const channel = channels.get(String(args.channel));
      return channel
        ? { body: { ok: true, channel: { id: args.channel, name: channel.name, is_member: channel.member } } }
        : { body: { ok: false, error: 'channel_not_found' } };
    },
    'chat.postMessage': (args) => {
      const problems = checkMessage(args, 'chat.postMessage');
      if (problems.length) return { body: { ok: false, error: 'invalid_blocks', errors: problems } };
      const channel = resolveChannel(args.channel);
      if (channel.error) return { body: { ok: false, error: channel.error } };
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      if (threadTs && !messages.some((m) => m.channel === channel.id && m.ts === threadTs))
        return { body: { ok: false, error: 'thread_not_found' } };
      const ts = nextTs();
      const metadata = args.metadata as StoredMessage['metadata'];
      const message: StoredMessage = {
        channel: channel.id,
        ts,
        threadTs,
        text: String(args.text ?? ''),
        blocks: (args.blocks as unknown[]) ?? [],
        user: undefined,
        ephemeral: false,
        updatedAt: undefined,
        metadata,
      };
      messages.push(message);
      return {
        body: { ok: true, channel: channel.id, ts, message: { text: message.text, blocks: message.blocks, ts } },
        ref: ts,
      };
    },
    // https://docs.slack.dev/reference/methods/conversations.history: newest first; metadata only with include_all_metadata.
    'conversations.history': (args) => {
      const channel = resolveChannel(args.channel);
      if (channel.error) return { body: { ok: false, error: channel.error } };
      const oldest = Number(args.oldest ?? 0);
      const limit = Math.min(Number(args.limit ?? 100) || 100, 999);
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
      const found = messages
        .filter((m) => m.channel === channel.id && !m.threadTs && !m.ephemeral && Number(m.ts) > oldest)
        .reverse()
        .slice(0, limit)
        .map((m) => ({
          type: 'message',
          ts: m.ts,
          text: m.text,
          ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
        }));
      return { body: { ok: true, messages: found, has_more: false } };
    },
    'chat.update': (args) => {
      const problems = checkMessage(args, 'chat.update');
      if (problems.length)
        return {
          body: {
            ok: false,
            error: problems.some((p) => p.includes('msg_too_long')) ? 'msg_too_long' : 'invalid_blocks',
            errors: problems,
          },
        };
      const message = messages.find((m) => m.channel === args.channel && m.ts === args.ts && !m.ephemeral);
      if (!message)
        return {
          body: {
            ok: false,
            error:
              channels.has(String(args.channel)) || String(args.channel).startsWith('D')
                ? 'message_not_found'
                : 'channel_not_found',
          },
        };
      message.text = String(args.text ?? message.text);
      if (args.blocks !== undefined) message.blocks = args.blocks as unknown[];
      message.updatedAt = now();
      return { body: { ok: true, channel: message.channel, ts: message.ts, text: message.text }, ref: message.ts };
    },
    'chat.postEphemeral': (args) => {
      const problems = checkMessage(args, 'chat.postEphemeral');
      if (problems.length) return { body: { ok: false, error: 'invalid_blocks', errors: problems } };
      const channel = resolveChannel(args.channel);
      if (channel.error) return { body: { ok: false, error: channel.error } };
      if (!users.has(String(args.user))) return { body: { ok: false, error: 'user_not_in_channel' } };
      const ts = nextTs();
      messages.push({
        channel: channel.id,
        ts,
        threadTs: undefined,
        text: String(args.text ?? ''),
        blocks: (args.blocks as unknown[]) ?? [],
        user: String(args.user),
        ephemeral: true,
        updatedAt: undefined,
        metadata: undefined,
      });
      return { body: { ok: true, message_ts: ts }, ref: ts };
    },
    'views.open': (args) => {
      const problems = checkView(args.view);
      if (problems.length)
        return { body: { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } } };
      const triggerError = useTrigger(args.trigger_id);
      if (triggerError) return { body: { ok: false, error: triggerError } };
      const stored = storeView(args.view as Args, String(args.user_id ?? 'unknown'));
      return { body: { ok: true, view: viewPayload(stored) }, ref: stored.id };
    },
    'views.push': (args) => {
      const problems = checkView(args.view);
      if (problems.length)
        return { body: { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } } };
      const triggerError = useTrigger(args.trigger_id);
      if (triggerError) return { body: { ok: false, error: triggerError } };
      const stored = storeView(args.view as Args, 'unknown');
      return { body: { ok: true, view: viewPayload(stored) }, ref: stored.id };
    },
    'views.update': (args) => {
      const problems = checkView(args.view);
      if (problems.length)
        return { body: { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } } };
      const byExternal =
        typeof args.external_id === 'string'
          ? [...views.values()].find((v) => v.view.external_id === args.external_id)
          : undefined;
      const stored = typeof args.view_id === 'string' ? views.get(args.view_id) : byExternal;
      if (!stored || stored.closed) return { body: { ok: false, error: 'not_found' } };
      if (typeof args.hash === 'string' && args.hash !== stored.hash)
        return { body: { ok: false, error: 'hash_conflict' } };
      stored.view = args.view as Args;
      stored.hash = randomBytes(6).toString('hex');
      delete stored.errors;
      return { body: { ok: true, view: viewPayload(stored) }, ref: stored.id };
    },
    'views.publish': (args) => {
      const problems = checkView(args.view);
      if (problems.length)
        return { body: { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } } };
      if (!users.has(String(args.user_id))) return { body: { ok: false, error: 'user_not_found' } };
      homes.set(String(args.user_id), args.view as Args);
      return { body: { ok: true, view: { id: `VHOME${String(args.user_id)}`, ...(args.view as Args) } } };
    },
  };

  function parseArgs(req: IncomingMessage, body: string): Args {
    const type = req.headers['content-type'] ?? '';
    if (type.includes('application/json')) return JSON.parse(body || '{}') as Args;
    const args: Args = {};
    for (const [key, value] of new URLSearchParams(body)) {
      args[key] = ['blocks', 'view', 'attachments', 'metadata'].includes(key) ? JSON.parse(value) : value;
    }
    return args;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://slack').pathname;
    const body = await readBody(req);

    const response = /^\/response\/([\w-]+)$/.exec(path);
    if (response) {
      const id = response[1] ?? '';
      const known = responseUrls.get(id);
      if (!known || known.uses >= 5 || now() - known.issuedAt > RESPONSE_URL_LIFETIME_MS)
        return sendText(res, 404, 'expired_url');
      const payload = JSON.parse(body || '{}') as Args;
      const problems = checkMessage(payload, 'response_url');
      if (problems.length) return sendText(res, 400, `invalid_blocks: ${problems.join('; ')}`);
      known.uses += 1;
      responses.push({ id, at: now(), body: payload });
      return sendText(res, 200, 'ok');
    }

    // A small control API for drivers in another process (the benchmark, outside test suites).
    if (path.startsWith('/_emulator/')) {
      if (path === '/_emulator/mint' && req.method === 'POST')
        return sendJson(res, 200, { trigger_id: emulator.mintTrigger(), response_url: emulator.mintResponseUrl() });
      const viewMatch = /^\/_emulator\/views\/([\w-]+)$/.exec(path);
      if (viewMatch) {
        const stored = views.get(viewMatch[1] ?? '');
        return stored ? sendJson(res, 200, stored) : sendJson(res, 404, { error: 'not_found' });
      }
      if (path === '/_emulator/calls') {
        const query = new URL(req.url ?? '/', 'http://slack').searchParams;
        const method = query.get('method');
        const from = Number(query.get('from') ?? 0);
        const selected = calls.slice(from).filter((c) => !method || c.method === method);
        return sendJson(res, 200, {
          next: calls.length,
          calls: selected.map((c) => ({
            at: c.at,
            method: c.method,
            ok: c.ok,
            ref: c.ref,
            error: c.error,
            trigger_id: c.args.trigger_id,
          })),
        });
      }
      return sendJson(res, 404, { error: 'unknown_control' });
    }

    const api = /^\/api\/([\w.]+)$/.exec(path);
    const method = api?.[1];
    if (!method) return sendJson(res, 404, { ok: false, error: 'unknown_method' });
    const args = parseArgs(req, body);
    const record = (ok: boolean, error?: string, ref?: string) => {
      const call: RecordedCall = { at: now(), method, args, ok };
      if (error) call.error = error;
      if (ref) call.ref = ref;
      calls.push(call);
    };

    if (method === 'apps.connections.open' && options.socketMode) {
      const ok = req.headers.authorization === `Bearer ${options.socketMode.appToken}`;
      record(ok, ok ? undefined : 'invalid_auth');
      return sendJson(res, 200, ok ? { ok: true, url: options.socketMode.url } : { ok: false, error: 'invalid_auth' });
    }
    if (req.headers.authorization !== `Bearer ${options.botToken}`) {
      record(false, 'invalid_auth');
      return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
    }
    const queue = injections.get(method);
    const injected = queue?.[0];
    if (injected) {
      injected.times = (injected.times ?? 1) - 1;
      if (injected.times <= 0) queue.shift();
      record(false, injected.error);
      if (injected.status === 429)
        return sendJson(
          res,
          429,
          { ok: false, error: 'ratelimited' },
          { 'Retry-After': String(injected.retryAfter ?? 1) },
        );
      if (injected.status && injected.status >= 500) return sendText(res, injected.status, 'internal error');
      return sendJson(res, 200, { ok: false, error: injected.error });
    }
    const handler = methods[method];
    if (!handler) {
      record(false, 'unknown_method');
      return sendJson(res, 200, { ok: false, error: 'unknown_method' });
    }
    const result = handler(args);
    record(result.body.ok === true, typeof result.body.error === 'string' ? result.body.error : undefined, result.ref);
    sendJson(res, 200, result.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: `emulator_error: ${(error as Error).message}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const emulator: SlackEmulator = {
    url,
    apiUrl: `${url}/api/`,
    botUserId,
    get calls() {
      return calls;
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    get messages() {
      return messages;
    },
    get responses() {
      return responses;
    },
    view: (id) => views.get(id),
    home: (userId) => homes.get(userId),
    mintTrigger: () => {
      const id = `${Math.floor(now() / 1000)}.${randomBytes(8).toString('hex')}`;
      triggers.set(id, { issuedAt: now(), used: false });
      return id;
    },
    mintResponseUrl: () => {
      const id = randomBytes(10).toString('hex');
      responseUrls.set(id, { issuedAt: now(), uses: 0 });
      return `${url}/response/${id}`;
    },
    closeView: (id) => {
      const stored = views.get(id);
      if (stored) for (const v of views.values()) if (v.rootId === stored.rootId) v.closed = true;
    },
    refusedAcks,
    applySubmissionAck: (viewId, ack) => {
      const stored = views.get(viewId);
      if (!stored) return;
      const answer = (ack ?? {}) as { response_action?: string; view?: Args; errors?: Record<string, string> };
      const problems = answer.view ? checkView(answer.view) : [];
      if (problems.length) {
        refusedAcks.push({ viewId, problems });
        return;
      }
      if (answer.response_action === 'update' && answer.view) {
        stored.view = answer.view;
        stored.hash = randomBytes(6).toString('hex');
        delete stored.errors;
      } else if (answer.response_action === 'errors' && answer.errors) {
        stored.errors = answer.errors;
      } else if (answer.response_action === 'push' && answer.view) {
        storeView(answer.view, stored.userId, stored.rootId);
      } else {
        for (const v of views.values()) if (v.rootId === stored.rootId) v.closed = true;
      }
    },
    addUser: (id, profile = {}) =>
      void users.set(id, {
        name: profile.name ?? id.toLowerCase(),
        realName: profile.realName ?? id,
        tz: profile.tz ?? 'UTC',
      }),
    addUsergroup: (id, members) => void usergroups.set(id, members),
    addChannel: (id, channelOptions = {}) =>
      void channels.set(id, { name: channelOptions.name ?? id.toLowerCase(), member: channelOptions.member ?? true }),
    removeChannel: (id) => void channels.delete(id),
    inject: (method, injection) => {
      const queue = injections.get(method) ?? [];
      queue.push({ ...injection });
      injections.set(method, queue);
    },
    clearInjections: () => injections.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return emulator;
}
