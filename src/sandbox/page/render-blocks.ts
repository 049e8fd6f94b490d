import { escapeHtml, renderMrkdwn, renderPlain, type MrkdwnContext } from './mrkdwn.js';

/**
 * Renders the bot's real Block Kit to HTML for the sandbox page. Every block and element type the
 * bot emits is covered; anything else shows as an "unsupported" note rather than silently vanishing.
 * Buttons carry data attributes the page script turns into signed block_actions.
 */

type Json = Record<string, unknown>;

export interface RenderContext extends MrkdwnContext {
  /** Where the blocks live, so a button click can say so. */
  container: { type: 'message'; channel: string; ts: string } | { type: 'view'; viewId: string } | { type: 'home' };
  /** Field errors to show under input blocks (modals). */
  errors?: Record<string, string>;
}

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

function text(value: unknown, ctx: RenderContext): string {
  const t = obj(value);
  const content = typeof t.text === 'string' ? t.text : '';
  return t.type === 'mrkdwn' ? renderMrkdwn(content, ctx) : renderPlain(content);
}

function containerAttributes(ctx: RenderContext): string {
  const c = ctx.container;
  if (c.type === 'message')
    return `data-container="message" data-channel="${escapeHtml(c.channel)}" data-ts="${escapeHtml(c.ts)}"`;
  if (c.type === 'view') return `data-container="view" data-view-id="${escapeHtml(c.viewId)}"`;
  return 'data-container="home"';
}

function renderButton(element: Json, ctx: RenderContext): string {
  const style = element.style === 'primary' || element.style === 'danger' ? ` btn-${element.style}` : '';
  const attrs = `data-action-id="${escapeHtml(String(element.action_id ?? ''))}" data-value="${escapeHtml(String(element.value ?? ''))}" ${containerAttributes(ctx)}`;
  const label = text(element.text, ctx);
  if (typeof element.url === 'string') {
    return `<a class="btn${style}" href="${escapeHtml(element.url)}" target="_blank" rel="noopener" ${attrs} data-url="1">${label} ↗</a>`;
  }
  return `<button type="button" class="btn${style}" ${attrs}>${label}</button>`;
}

function renderElement(element: unknown, ctx: RenderContext, blockId = ''): string {
  const e = obj(element);
  switch (e.type) {
    case 'button':
      return renderButton(e, ctx);
    case 'plain_text_input': {
      const placeholder = e.placeholder ? ` placeholder="${escapeHtml(String(obj(e.placeholder).text ?? ''))}"` : '';
      const max = typeof e.max_length === 'number' ? ` maxlength="${e.max_length}"` : '';
      return e.multiline
        ? `<textarea name="${escapeHtml(blockId)}" data-block-id="${escapeHtml(blockId)}" rows="4"${placeholder}${max}></textarea>`
        : `<input type="text" name="${escapeHtml(blockId)}" data-block-id="${escapeHtml(blockId)}" autocomplete="off"${placeholder}${max}>`;
    }
    case 'email_text_input': {
      const placeholder = e.placeholder ? ` placeholder="${escapeHtml(String(obj(e.placeholder).text ?? ''))}"` : '';
      return `<input type="email" name="${escapeHtml(blockId)}" data-block-id="${escapeHtml(blockId)}" autocomplete="off"${placeholder}>`;
    }
    case 'checkboxes':
      return (Array.isArray(e.options) ? e.options : [])
        .map((option) => {
          const o = obj(option);
          return `<span class="blk-check"><input type="checkbox" data-block-id="${escapeHtml(blockId)}" value="${escapeHtml(String(o.value ?? ''))}"> ${text(o.text, ctx)}</span>`;
        })
        .join('');
    default:
      return `<span class="unsupported">[unsupported element ${escapeHtml(String(e.type))}]</span>`;
  }
}

export function renderBlock(block: unknown, ctx: RenderContext): string {
  const b = obj(block);
  const id = typeof b.block_id === 'string' ? b.block_id : '';
  switch (b.type) {
    case 'header':
      return `<div class="blk-header">${text(b.text, ctx)}</div>`;
    case 'section': {
      const body = b.text ? `<div class="blk-text">${text(b.text, ctx)}</div>` : '';
      const fields = Array.isArray(b.fields)
        ? `<div class="blk-fields">${b.fields.map((f) => `<div>${text(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = b.accessory ? `<div class="blk-accessory">${renderElement(b.accessory, ctx)}</div>` : '';
      return `<div class="blk-section"><div class="blk-main">${body}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="blk-context">${(Array.isArray(b.elements) ? b.elements : []).map((e) => `<span>${text(e, ctx)}</span>`).join('')}</div>`;
    case 'divider':
      return '<hr class="blk-divider">';
    case 'actions':
      return `<div class="blk-actions">${(Array.isArray(b.elements) ? b.elements : []).map((e) => renderElement(e, ctx)).join('')}</div>`;
    case 'input': {
      const error = ctx.errors?.[id];
      const hint = b.hint ? `<div class="blk-hint">${text(b.hint, ctx)}</div>` : '';
      return `<label class="blk-input${error ? ' has-error' : ''}" data-input-block="${escapeHtml(id)}"><span class="blk-label">${text(b.label, ctx)}</span>${renderElement(b.element, ctx, id)}${error ? `<div class="blk-error" role="alert">${renderPlain(error)}</div>` : ''}${hint}</label>`;
    }
    default:
      return `<div class="unsupported">[unsupported block ${escapeHtml(String(b.type))}]</div>`;
  }
}

export function renderBlocks(blocks: unknown, ctx: RenderContext): string {
  return (Array.isArray(blocks) ? blocks : []).map((block) => renderBlock(block, ctx)).join('\n');
}

/** A modal: title, blocks, and the close/submit buttons. */
export function renderModal(view: Json, viewId: string, ctx: Omit<RenderContext, 'container'>): string {
  const inner: RenderContext = { ...ctx, container: { type: 'view', viewId } };
  const submit = view.submit
    ? `<button type="submit" class="btn btn-primary" data-submit-view="${escapeHtml(viewId)}">${text(view.submit, inner)}</button>`
    : '';
  const close = `<button type="button" class="btn" data-close-view="${escapeHtml(viewId)}">${view.close ? text(view.close, inner) : 'Close'}</button>`;
  return `<form class="modal" data-view-id="${escapeHtml(viewId)}" onsubmit="return false">
<div class="modal-title">${text(view.title, inner)}</div>
<div class="modal-body">${renderBlocks(view.blocks, inner)}</div>
<div class="modal-footer">${close}${submit}</div></form>`;
}
