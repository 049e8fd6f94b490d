import { App, LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { parseSlackBody } from '../../../src/http/slack-routing.js';

/** Bodies a signed request could carry that Bolt 5 cannot route (it throws reading a field Slack always sends). */
const UNROUTABLE: Record<string, unknown>[] = [
  { name: 'x' },
  { '': null, apply: { key: false }, call: -1.5e50, name: 9.3e-48 },
  { type: 'block_suggestion' },
  { type: 'view_submission', view: null },
  { type: 'view_closed', user: { id: 'U1' } },
  { type: 'shortcut' },
  { type: 'message_action', user: { id: 'U1' }, channel: null },
  { type: 'dialog_submission' },
  { type: 'block_actions', actions: null, user: { id: 'U1' } },
  { type: 'event_callback', event: null },
  { event: 1 },
];

/** Bodies Slack sends (or that Bolt ignores): still routed. */
const ROUTABLE: Record<string, unknown>[] = [
  { type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'x', type: 'button' }] },
  { type: 'view_submission', user: { id: 'U1' }, team: null, view: { id: 'V1', callback_id: 'x' } },
  { type: 'view_closed', user: { id: 'U1' }, view: { id: 'V1' } },
  { type: 'event_callback', event: { type: 'app_home_opened', user: 'U1' } },
  { type: 'app_rate_limited', team_id: 'T1' },
  { apply: 1, call: 2 },
];

function app() {
  const receiver = { init() {}, start: async () => undefined, stop: async () => undefined };
  return new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-x', botId: 'B1', botUserId: 'U1' }),
    logLevel: LogLevel.ERROR,
  });
}

describe('Slack bodies Bolt cannot route are refused before it sees them', () => {
  it('each body Bolt throws on is refused as not a shape Slack sends, JSON or form', async () => {
    const bolted = app();
    const boltAccepted: string[] = [];
    for (const body of UNROUTABLE) {
      // The premise: real Bolt throws on it.
      await bolted.processEvent({ body, ack: async () => undefined }).then(
        () => boltAccepted.push(JSON.stringify(body)),
        () => undefined,
      );
      expect(parseSlackBody('application/json', JSON.stringify(body)), JSON.stringify(body)).toBeUndefined();
      const form = new URLSearchParams({ payload: JSON.stringify(body) }).toString();
      expect(parseSlackBody('application/x-www-form-urlencoded', form), JSON.stringify(body)).toBeUndefined();
    }
    expect(boltAccepted).toEqual([]);
  });

  it('what Slack sends is still parsed, and Bolt routes it without throwing', async () => {
    const bolted = app();
    for (const body of ROUTABLE) {
      expect(parseSlackBody('application/json', JSON.stringify(body)), JSON.stringify(body)).toBeDefined();
      await expect(bolted.processEvent({ body, ack: async () => undefined })).resolves.toBeUndefined();
    }
  });
});
