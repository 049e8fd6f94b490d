import { expect, vi } from 'vitest';
import type { RecordedCall } from '../../src/sandbox/slack/emulator.js';
import type { Actor } from './slack-driver.js';
import type { TestApp } from './start-app.js';

/** `/reauth <id>` and wait for the modal Slack would show; returns the views.open call. */
export async function openModal(t: TestApp, id: string, actor: Actor): Promise<RecordedCall> {
  const before = t.slack.callsOf('views.open').length;
  const response = await t.driver.command(id, actor);
  expect(response.status).toBe(200);
  await vi.waitFor(() => {
    if (t.slack.callsOf('views.open').length <= before) throw new Error('views.open not called yet');
  });
  const call = t.slack.callsOf('views.open')[before];
  if (!call) throw new Error('no views.open');
  return call;
}

export function viewOf(call: RecordedCall): {
  title: string;
  blocks: {
    type: string;
    block_id?: string;
    element?: Record<string, unknown>;
    text?: { text: string };
    elements?: Record<string, unknown>[];
    fields?: { text: string }[];
  }[];
} {
  const view = call.args.view as { title: { text: string }; blocks: never[] };
  return { title: view.title.text, blocks: view.blocks };
}

/** A modal's inputs, in order, as [block id, element type]: what the form asks for. */
export function inputsOf(call: RecordedCall): [string | undefined, unknown][] {
  return viewOf(call)
    .blocks.filter((b) => b.type === 'input')
    .map((b) => [b.block_id, b.element?.type]);
}

/** Every text in a view or message, flattened, for assertions on what a person reads. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(textOf).join('\n');
  return '';
}
