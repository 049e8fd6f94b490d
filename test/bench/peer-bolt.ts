import { readFileSync } from 'node:fs';
import type { ModalView } from '@slack/types';
import { request } from 'undici';
import { benchBoltApp } from './bolt-app.js';

/**
 * The fair peer: the bot a team would write instead of Reauth. A minimal Bolt app that does the same
 * Slack and provider calls without Reauth's logic: `/reauth <id>` and the button ack, then views.open
 * with the same modal Reauth opens (captured from it by the benchmark); a submission makes the same
 * provider request with undici and answers `response_action: update`. No permission check, no
 * signed metadata, no sealing, no storage, no audit.
 */
const env = process.env;
const modal = JSON.parse(readFileSync(env.PEER_MODAL_FILE ?? '', 'utf8')) as ModalView;
const gitlab = env.PEER_GITLAB_URL ?? '';
const result: ModalView = {
  type: 'modal',
  title: { type: 'plain_text', text: 'Re-authenticated' },
  close: { type: 'plain_text', text: 'Close' },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'The credential works.' } }],
};

const app = benchBoltApp(env);
app.command('/reauth', async ({ ack, body, client }) => {
  await ack();
  await client.views.open({ trigger_id: body.trigger_id, view: modal });
});
app.action('reauth_open', async ({ ack, body, client }) => {
  await ack();
  await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: modal });
});
app.view(/.*/, async ({ ack, view }) => {
  const token = view.state.values.token?.token_value?.value ?? '';
  const response = await request(`${gitlab}/api/v4/personal_access_tokens/self`, {
    headers: { 'private-token': token },
  });
  await response.body.json();
  await ack(
    response.statusCode === 200
      ? { response_action: 'update', view: result }
      : { response_action: 'errors', errors: { token: 'GitLab refused the token.' } },
  );
});
await app.start(Number(env.PORT));
