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
