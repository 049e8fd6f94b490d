import { ACTION, CALLBACK, COMMAND } from '../slack/ids.js';

const ACTIONS: ReadonlySet<string> = new Set(Object.values(ACTION));

type Payload = { type?: unknown; actions?: unknown; view?: { callback_id?: unknown; state?: { values?: Record<string, unknown> } }; event?: { type?: unknown } };

/** A Slack request body, parsed once: an Events API object, or a form (with its interaction payload, if any). */
export type SlackBody = { kind: 'event'; event: Payload } | { kind: 'form'; form: URLSearchParams; payload: Payload | undefined };

const isObject = (value: unknown): value is Payload => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body as Slack sends it, or undefined when it is not a shape Slack sends (Bolt crashes on a signed `payload=null`). */
export function parseSlackBody(contentType: string, body: string): SlackBody | undefined {
  try {
    if (contentType.startsWith('application/json')) {
      const event: unknown = JSON.parse(body);
      return isObject(event) ? { kind: 'event', event } : undefined;
    }
    const form = new URLSearchParams(body);
    const text = form.get('payload');
    if (text === null) return { kind: 'form', form, payload: undefined };
    const payload: unknown = JSON.parse(text);
    return isObject(payload) ? { kind: 'form', form, payload } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a Slack request is one Reauth has a listener for. Bolt answers any other only after its
 * 3-second timeout; Reauth acknowledges those at once instead (Slack sends only what the manifest
 * subscribes to, so they are rare).
 */
export function isForReauth(body: SlackBody): boolean {
  if (body.kind === 'event') return body.event.type === 'url_verification' || (body.event.type === 'event_callback' && body.event.event?.type === 'app_home_opened');
  const command = body.form.get('command');
  if (command !== null) return command === COMMAND;
  const payload = body.payload ?? {};
  switch (payload.type) {
    case 'block_actions':
      return Array.isArray(payload.actions) && payload.actions.length > 0 && payload.actions.every((a: { action_id?: unknown }) => typeof a?.action_id === 'string' && (ACTIONS.has(a.action_id) || a.action_id.startsWith(ACTION.overviewPage)));
    case 'view_submission':
      return payload.view?.callback_id === CALLBACK.reauthModal || payload.view?.callback_id === CALLBACK.confirmAccount;
    case 'view_closed':
      return payload.view?.callback_id === CALLBACK.confirmAccount;
    default:
      return false;
  }
}

const RESTARTING = 'Reauth is restarting; nothing was changed. Try again in a minute.';

/** While shutting down, the fast answer a person sees, where Slack shows one (a command's reply, a form's field error). */
export function restartingAnswer(body: SlackBody): string {
  if (body.kind === 'event') return '';
  if (body.form.get('command') !== null) return JSON.stringify({ response_type: 'ephemeral', text: RESTARTING });
  const field = Object.keys(body.payload?.view?.state?.values ?? {})[0];
  return body.payload?.type === 'view_submission' && field ? JSON.stringify({ response_action: 'errors', errors: { [field]: RESTARTING } }) : '';
}
