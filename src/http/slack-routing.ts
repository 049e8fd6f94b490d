type Payload = {
  type?: unknown;
  view?: { state?: { values?: Record<string, unknown> } };
};

/** A Slack request body, parsed once: an Events API object, or a form (with its interaction payload, if any). */
export type SlackBody =
  | { kind: 'event'; event: Payload }
  | { kind: 'form'; form: URLSearchParams; payload: Payload | undefined };

const isObject = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The body as Slack sends it, or undefined when it is not a shape Slack sends (Bolt crashes on a signed
 * `payload=null`, and on any body missing a field it reads to route it: see `routable`).
 */
export function parseSlackBody(contentType: string, body: string): SlackBody | undefined {
  try {
    if (contentType.startsWith('application/json')) {
      const event: unknown = JSON.parse(body);
      return isObject(event) && routable(event) ? { kind: 'event', event } : undefined;
    }
    const form = new URLSearchParams(body);
    const text = form.get('payload');
    if (text === null) return { kind: 'form', form, payload: undefined };
    const payload: unknown = JSON.parse(text);
    return isObject(payload) && routable(payload) ? { kind: 'form', form, payload } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether Bolt can route this body without throwing. Bolt classifies a body by its keys (an `event`, a
 * `command`, a `name` makes it an options request, `actions` an action, then `type`) and then reads the
 * fields that kind always has in Slack's payloads — `event`, `user`, `channel`, `view` — without checking
 * them, so a signed body such as `{"name": 1}` made it throw and answer 500
 * (https://github.com/slackapi/bolt-js/blob/main/src/helpers.ts, `getTypeAndConversation`, and
 * `buildSource` in src/App.ts). A body of a kind it does not classify is acknowledged and ignored.
 */
function routable(body: Record<string, unknown>): boolean {
  const objectOrAbsent = (value: unknown) => value === undefined || isObject(value);
  if (body.event !== undefined) return isObject(body.event);
  if (body.command !== undefined) return true;
  const interaction =
    body.name !== undefined ||
    body.actions !== undefined ||
    ['block_suggestion', 'dialog_submission', 'shortcut', 'message_action', 'view_submission', 'view_closed'].includes(
      body.type as string,
    );
  if (!interaction) return true;
  const isView = body.type === 'view_submission' || body.type === 'view_closed';
  return (
    isObject(body.user) &&
    objectOrAbsent(body.channel) &&
    (body.team === undefined || body.team === null || isObject(body.team)) &&
    (isView ? isObject(body.view) : objectOrAbsent(body.view)) &&
    (body.actions === undefined || (Array.isArray(body.actions) && body.actions.every(isObject)))
  );
}

const RESTARTING = 'Reauth is restarting; nothing was changed. Try again in a minute.';

/** While shutting down, the fast answer a person sees, where Slack shows one (a command's reply, a form's field error). */
export function restartingAnswer(body: SlackBody): string {
  if (body.kind === 'event') return '';
  if (body.form.get('command') !== null) return JSON.stringify({ response_type: 'ephemeral', text: RESTARTING });
  const field = Object.keys(body.payload?.view?.state?.values ?? {})[0];
  return body.payload?.type === 'view_submission' && field
    ? JSON.stringify({ response_action: 'errors', errors: { [field]: RESTARTING } })
    : '';
}
