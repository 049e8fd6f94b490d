import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/flows.js';
import { OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

describe('/reauth overview paging', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      catalogue: (p) =>
        `integrations:\n${Array.from({ length: 25 }, (_, i) => `  - { id: gl-${String(i).padStart(2, '0')}, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }`).join('\n')}\n`,
    });
  });
  afterAll(async () => t?.close());

  it('shows 20 per page; Next replaces the message with the next page', async () => {
    await t.driver.command('', { userId: OWNER });
    await expect.poll(() => t.slack.responses.length).toBe(1);
    const first = t.slack.responses[0]?.body as { blocks: { accessory?: { value: string } }[] };
    expect(first.blocks.filter((b) => b.accessory)).toHaveLength(20);
    expect(textOf(first)).toContain('Page 1 of 2');
    await t.driver.click({
      actionId: 'overview_page_next',
      value: '1',
      actor: { userId: OWNER },
      message: { channel: 'C0GENERAL', ts: '1.1' },
    });
    await expect.poll(() => t.slack.responses.length).toBe(2);
    const second = t.slack.responses[1]?.body as {
      replace_original: boolean;
      blocks: { accessory?: { value: string } }[];
    };
    expect(second.replace_original).toBe(true);
    expect(second.blocks.filter((b) => b.accessory).map((b) => b.accessory?.value)).toEqual([
      'gl-20',
      'gl-21',
      'gl-22',
      'gl-23',
      'gl-24',
    ]);
    expect(textOf(second)).toContain('Page 2 of 2');
  });
});
