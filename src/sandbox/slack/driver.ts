import { createHmac } from 'node:crypto';
import type { StoredView } from './emulator.js';

/** What the driver needs from Slack: an in-process emulator, or one in another process reached over HTTP. */
export interface SlackSide {
  mintTrigger(): string | Promise<string>;
  mintResponseUrl(): string | Promise<string>;
  view(id: string): StoredView | undefined | Promise<StoredView | undefined>;
}

/** Sends correctly signed Slack requests (slash commands, block_actions, view_submission) to the app. */

export interface DriverResponse {
  status: number;
  text: string;
  json: unknown;
  /** Milliseconds from send to the app's HTTP answer (its ack). */
  ackMs: number;
}

export interface Actor {
  userId: string;
  /** The Slack user name the payloads carry (default: the id in lower case). */
  name?: string;
  channelId?: string;
}

export function signSlackBody(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': signature };
}

export function createSlackDriver(options: { appUrl: string; signingSecret: string; slack: SlackSide }) {
  const endpoint = `${options.appUrl}/slack/events`;

  async function post(body: string, headers: Record<string, string> = {}): Promise<DriverResponse> {
    const started = performance.now();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...signSlackBody(options.signingSecret, body),
        ...headers,
      },
      body,
    });
    const text = await response.text();
    const ackMs = performance.now() - started;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json, ackMs };
  }

  const interaction = (payload: Record<string, unknown>) =>
    post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());

  return {
    post,
    /** `/reauth <text>` as Slack sends it; the trigger and response_url are minted at the emulator. */
    async command(text: string, actor: Actor) {
      const triggerId = await options.slack.mintTrigger();
      const responseUrl = await options.slack.mintResponseUrl();
      const body = new URLSearchParams({
        token: 'deprecated-verification-token',
        team_id: 'T0SANDBOX',
        channel_id: actor.channelId ?? 'C0GENERAL',
        user_id: actor.userId,
        user_name: actor.name ?? actor.userId.toLowerCase(),
        command: '/reauth',
        text,
        response_url: responseUrl,
        trigger_id: triggerId,
        api_app_id: 'A0REAUTH',
      }).toString();
      return { ...(await post(body)), triggerId, responseUrl };
    },
    /** A button click in a message (alert, overview) or in a modal. */
    async click(params: {
      actionId: string;
      value?: string;
      actor: Actor;
      message?: { channel: string; ts: string };
      viewId?: string;
      url?: string;
    }) {
      const triggerId = await options.slack.mintTrigger();
      const responseUrl = await options.slack.mintResponseUrl();
      const view = params.viewId ? await options.slack.view(params.viewId) : undefined;
      const payload: Record<string, unknown> = {
        type: 'block_actions',
        team: { id: 'T0SANDBOX' },
        user: { id: params.actor.userId, name: params.actor.name ?? params.actor.userId.toLowerCase() },
        api_app_id: 'A0REAUTH',
        trigger_id: triggerId,
        actions: [
          {
            type: 'button',
            action_id: params.actionId,
            block_id: 'b',
            value: params.value,
            ...(params.url ? { url: params.url } : {}),
            action_ts: String(Date.now() / 1000),
          },
        ],
      };
      if (view) {
        payload.container = { type: 'view', view_id: view.id };
        payload.view = { id: view.id, ...view.view, hash: view.hash, state: { values: {} } };
      } else if (params.message) {
        payload.container = { type: 'message', channel_id: params.message.channel, message_ts: params.message.ts };
        payload.channel = { id: params.message.channel };
        payload.message = { ts: params.message.ts };
        payload.response_url = responseUrl;
      }
      return { ...(await interaction(payload)), triggerId, responseUrl };
    },
    /** An Events API delivery (e.g. app_home_opened), signed, as JSON. */
    async event(event: Record<string, unknown>) {
      const body = JSON.stringify({
        type: 'event_callback',
        team_id: 'T0SANDBOX',
        api_app_id: 'A0REAUTH',
        event,
        event_id: `Ev${Date.now()}${Math.random().toString(36).slice(2, 8)}`,
        event_time: Math.floor(Date.now() / 1000),
      });
      return post(body, { 'Content-Type': 'application/json' });
    },
    /** Submits a modal the app opened, with the given input values (block id → value). */
    async submit(
      viewId: string,
      values: Record<string, string>,
      actor: Actor,
      tamper?: (view: Record<string, unknown>) => void,
    ) {
      const stored = await options.slack.view(viewId);
      if (!stored) throw new Error(`no view ${viewId} at the emulator`);
      const blocks =
        (stored.view.blocks as { type: string; block_id?: string; element?: { action_id: string; type: string } }[]) ??
        [];
      const state: Record<
        string,
        Record<string, { type: string; value?: string; selected_date?: string; selected_options?: { value: string }[] }>
      > = {};
      for (const [blockId, value] of Object.entries(values)) {
        const block = blocks.find((b) => b.block_id === blockId);
        const actionId = block?.element?.action_id ?? `${blockId}_value`;
        const type = block?.element?.type ?? 'plain_text_input';
        // Checkboxes carry the checked options' values (an empty value is nothing checked); a datepicker its date.
        state[blockId] = {
          [actionId]:
            type === 'checkboxes'
              ? { type, selected_options: value ? [{ value }] : [] }
              : type === 'datepicker'
                ? { type, selected_date: value }
                : { type, value },
        };
      }
      const view: Record<string, unknown> = {
        ...stored.view,
        id: stored.id,
        hash: stored.hash,
        state: { values: state },
      };
      tamper?.(view);
      return interaction({
        type: 'view_submission',
        team: { id: 'T0SANDBOX' },
        user: { id: actor.userId },
        api_app_id: 'A0REAUTH',
        view,
      });
    },
    /** Cancel or × on a modal: Slack tells the app only when the view asked for it (notify_on_close). */
    async close(viewId: string, actor: Actor) {
      const stored = await options.slack.view(viewId);
      if (!stored?.view.notify_on_close) return undefined;
      const view = { ...stored.view, id: stored.id, hash: stored.hash, state: { values: {} } };
      return interaction({
        type: 'view_closed',
        team: { id: 'T0SANDBOX' },
        user: { id: actor.userId },
        api_app_id: 'A0REAUTH',
        view,
        is_cleared: false,
      });
    },
  };
}

export type SlackDriver = ReturnType<typeof createSlackDriver>;
