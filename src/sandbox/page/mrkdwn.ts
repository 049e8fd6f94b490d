/** Renders Slack mrkdwn to HTML for the sandbox page: bold, italic, strike, code, links, mentions, dates, quotes, emoji. */

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  x: '❌',
  rotating_light: '🚨',
  red_circle: '🔴',
  large_green_circle: '🟢',
  white_circle: '⚪',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  lock: '🔒',
  bulb: '💡',
  warning: '⚠️',
  no_entry: '⛔',
  information_source: 'ℹ️',
  alarm_clock: '⏰',
  heavy_minus_sign: '➖',
};

export interface MrkdwnContext {
  /** Display name of a user or group id. */
  nameOf(id: string): string;
}

/** Escapes HTML while keeping the three entities Slack text already carries. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&(?!(amp|lt|gt);)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

/** Plain text: escaped, emoji codes turned into emoji. */
export function renderPlain(text: string): string {
  return renderEmoji(escapeHtml(text));
}

export function renderMrkdwn(text: string, ctx: MrkdwnContext): string {
  // Angle-bracket tokens first (links, mentions, dates), replaced by placeholders so escaping leaves them alone.
  const tokens: string[] = [];
  const hold = (html: string) => `\u0000${tokens.push(html) - 1}\u0000`;
  let out = text.replace(/<([^<>\n]+)>/g, (_whole, inner: string) => {
    const [target = '', label] = inner.split('|');
    if (target.startsWith('@')) return hold(`<span class="mention">@${escapeHtml(ctx.nameOf(target.slice(1)))}</span>`);
    if (target.startsWith('!subteam^'))
      return hold(`<span class="mention">@${escapeHtml(ctx.nameOf(target.slice(9)))}</span>`);
    if (target.startsWith('!date^')) return hold(`<time>${escapeHtml(label ?? '')}</time>`);
    if (target.startsWith('#')) return hold(`<span class="mention">#${escapeHtml(target.slice(1))}</span>`);
    if (/^(https?:|mailto:)/.test(target))
      return hold(`<a href="${escapeHtml(target)}" target="_blank" rel="noopener">${escapeHtml(label ?? target)}</a>`);
    return hold(escapeHtml(`<${inner}>`));
  });
  out = escapeHtml(out);
  out = out.replace(/```([\s\S]+?)```/g, (_w, code: string) => hold(`<pre>${code}</pre>`));
  out = out.replace(/`([^`\n]+)`/g, (_w, code: string) => hold(`<code>${code}</code>`));
  out = out.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<b>$2</b>');
  out = out.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<i>$2</i>');
  out = out.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1<s>$2</s>');
  out = out
    .split('\n')
    .map((line) => (line.startsWith('&gt; ') ? `<blockquote>${line.slice(5)}</blockquote>` : line))
    .join('\n')
    .replace(/\n/g, '<br>')
    .replace(/<\/blockquote><br>/g, '</blockquote>');
  out = renderEmoji(out);
  return out.replace(/\u0000(\d+)\u0000/g, (_w, i: string) => tokens[Number(i)] ?? '');
}
