/** Small pure helpers for Block Kit text. */

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

export type Block = Record<string, unknown> & { type: string };

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const plain = (text: string, max = 3000): PlainText => ({ type: 'plain_text', text: truncate(text, max), emoji: true });

export const md = (text: string, max = 3000): MrkdwnText => ({ type: 'mrkdwn', text: truncate(text, max) });

/** Escapes the three characters mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const section = (text: string, blockId?: string): Block => ({ type: 'section', text: md(text), ...(blockId ? { block_id: blockId } : {}) });

export const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.slice(0, 10).map((t) => md(t)) });

export const divider = (): Block => ({ type: 'divider' });

export const header = (text: string): Block => ({ type: 'header', text: plain(text, 150) });

export function button(text: string, actionId: string, options: { value?: string; url?: string; style?: 'primary' | 'danger' } = {}): Record<string, unknown> {
  return {
    type: 'button',
    text: plain(text, 75),
    action_id: actionId,
    ...(options.value === undefined ? {} : { value: options.value }),
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.style === undefined ? {} : { style: options.style }),
  };
}

export const actions = (blockId: string | undefined, ...elements: Record<string, unknown>[]): Block => ({
  type: 'actions',
  ...(blockId ? { block_id: blockId } : {}),
  elements: elements.slice(0, 25),
});

export function fields(pairs: readonly (readonly [string, string])[]): Block {
  return { type: 'section', fields: pairs.slice(0, 10).map(([label, value]) => md(`*${label}*\n${value}`, 2000)) };
}

/** Slack's date formatting: shown in each reader's own time zone, with a UTC fallback. */
export function slackDate(date: Date): string {
  const fallback = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}
