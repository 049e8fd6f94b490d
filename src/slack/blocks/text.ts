import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';

/** Small pure helpers for Block Kit, typed with Slack's own @slack/types; they truncate to Slack's limits. */

export type Block = KnownBlock;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const plain = (text: string, max = 3000): PlainTextElement => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji: true,
});

export const md = (text: string, max = 3000): MrkdwnElement => ({ type: 'mrkdwn', text: truncate(text, max) });

/** Escapes the three characters mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const section = (text: string, blockId?: string): SectionBlock => ({
  type: 'section',
  text: md(text),
  ...(blockId ? { block_id: blockId } : {}),
});

export const context = (...texts: string[]): ContextBlock => ({
  type: 'context',
  elements: texts.slice(0, 10).map((t) => md(t)),
});

export const divider = (): DividerBlock => ({ type: 'divider' });

export const header = (text: string): HeaderBlock => ({ type: 'header', text: plain(text, 150) });

export function button(
  text: string,
  actionId: string,
  options: { value?: string; url?: string; style?: 'primary' | 'danger' } = {},
): Button {
  return {
    type: 'button',
    text: plain(text, 75),
    action_id: actionId,
    ...(options.value === undefined ? {} : { value: options.value }),
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.style === undefined ? {} : { style: options.style }),
  };
}

export const actions = (blockId: string | undefined, ...elements: Button[]): ActionsBlock => ({
  type: 'actions',
  ...(blockId ? { block_id: blockId } : {}),
  elements: elements.slice(0, 25),
});

export function fields(pairs: readonly (readonly [string, string])[]): SectionBlock {
  return { type: 'section', fields: pairs.slice(0, 10).map(([label, value]) => md(`*${label}*\n${value}`, 2000)) };
}

/** Slack's date formatting: shown in each reader's own time zone, with a UTC fallback. */
export function slackDate(date: Date): string {
  const fallback = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** Slack mention syntax for a list of user ids and user-group (S…) ids. */
export function mentionAll(ids: readonly string[]): string {
  return ids.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`)).join(', ');
}
