import { ACTION, CALLBACK, COMMAND } from '../slack/ids.js';

const ACTIONS: ReadonlySet<string> = new Set(Object.values(ACTION));

type Payload = { type?: unknown; actions?: unknown; view?: { callback_id?: unknown }; event?: { type?: unknown } };

/**
 * Whether a Slack request is one Reauth has a listener for. Bolt answers any other only after its
 * 3-second timeout; Reauth acknowledges those at once instead (Slack sends only what the manifest
 * subscribes to, so they are rare). `body` is already known to be Slack-shaped.
 */
export function isForReauth(contentType: string, body: string): boolean {
  if (contentType.startsWith('application/json')) {
    const parsed = JSON.parse(body) as Payload;
    if (parsed.type === 'url_verification') return true;
    return parsed.type === 'event_callback' && parsed.event?.type === 'app_home_opened';
  }
  const form = new URLSearchParams(body);
  const command = form.get('command');
  if (command !== null) return command === COMMAND;
  const payload = JSON.parse(form.get('payload') ?? '{}') as Payload;
  switch (payload.type) {
    case 'block_actions':
      return Array.isArray(payload.actions) && payload.actions.length > 0 && payload.actions.every((a: { action_id?: unknown }) => typeof a?.action_id === 'string' && (ACTIONS.has(a.action_id) || a.action_id.startsWith(ACTION.overviewPage)));
    case 'view_submission':
      return payload.view?.callback_id === CALLBACK.reauthModal;
    default:
      return false;
  }
}
