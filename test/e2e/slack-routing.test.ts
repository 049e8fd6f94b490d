import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

/**
 * The listeners registered on the Bolt app are the only list of what Reauth handles: a surface added
 * the documented way (docs/architecture.md) reaches its listener with no second list to edit, and a
 * request no listener handles is acknowledged as soon as the app is done with it.
 */
describe('Slack routing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue });
  });
  afterAll(async () => t?.close());

  it('an action registered the documented way is called, and its ack is the answer', async () => {
    const seen: string[] = [];
    t.deps.app.app.action('a_brand_new_action', async ({ ack, body }) => {
      seen.push(body.user.id);
      await ack();
    });
    const response = await t.driver.click({ actionId: 'a_brand_new_action', value: 'x', actor: { userId: OWNER } });
    expect(response.status).toBe(200);
    expect(seen).toEqual([OWNER]);
  });

  it('a view registered the documented way answers with its own response_action', async () => {
    t.deps.app.app.view('a_brand_new_view', async ({ ack }) => {
      await ack({ response_action: 'errors', errors: { token: 'handled by the new listener' } });
    });
    const opened = await t.deps.slack.views.open({
      trigger_id: await t.slack.mintTrigger(),
      view: {
        type: 'modal',
        callback_id: 'a_brand_new_view',
        title: { type: 'plain_text', text: 'New' },
        submit: { type: 'plain_text', text: 'Go' },
        blocks: [
          {
            type: 'input',
            block_id: 'token',
            label: { type: 'plain_text', text: 'Token' },
            element: { type: 'plain_text_input', action_id: 'token_value' },
          },
        ],
      },
    });
    const response = await t.driver.submit(opened.view?.id ?? '', { token: 'anything' }, { userId: OWNER });
    expect(response.json).toEqual({ response_action: 'errors', errors: { token: 'handled by the new listener' } });
  });

  it("a request no listener handles is acknowledged at once, not after Bolt's 3-second timeout", async () => {
    const response = await t.driver.click({ actionId: 'nobody_listens_to_this', actor: { userId: OWNER } });
    expect(response.status).toBe(200);
    expect(response.ackMs).toBeLessThan(2500);
  });
});
