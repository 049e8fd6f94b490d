/**
 * The Block Kit and view limits real Slack enforces (https://docs.slack.dev/reference/block-kit/blocks, https://docs.slack.dev/surfaces/modals), so the
 * emulator refuses what Slack would. Each problem is a JSON-pointer-ish path and a message.
 */

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string => (isObj(v) && typeof v.text === 'string' ? v.text : '');

function checkTextObject(value: unknown, path: string, max: number, problems: string[], plainOnly = false): void {
  if (!isObj(value)) return void problems.push(`${path}: must be a text object`);
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn')
    problems.push(`${path}.type: must be plain_text or mrkdwn`);
  if (plainOnly && value.type !== 'plain_text') problems.push(`${path}.type: must be plain_text`);
  const text = textOf(value);
  if (text.length < 1) problems.push(`${path}.text: must not be empty`);
  if (text.length > max) problems.push(`${path}.text: longer than ${max} characters`);
}

function checkButton(el: Json, path: string, problems: string[]): void {
  checkTextObject(el.text, `${path}.text`, 75, problems, true);
  if (typeof el.action_id === 'string' && el.action_id.length > 255)
    problems.push(`${path}.action_id: longer than 255`);
  if (typeof el.url === 'string' && el.url.length > 3000) problems.push(`${path}.url: longer than 3000`);
  if (typeof el.value === 'string' && el.value.length > 2000) problems.push(`${path}.value: longer than 2000`);
  if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
    problems.push(`${path}.style: must be primary or danger`);
}

function checkElement(el: unknown, path: string, problems: string[]): void {
  if (!isObj(el)) return void problems.push(`${path}: must be an object`);
  if (el.type === 'button') return checkButton(el, path, problems);
  if (el.type === 'plain_text_input' || el.type === 'email_text_input') {
    if (typeof el.action_id === 'string' && el.action_id.length > 255)
      problems.push(`${path}.action_id: longer than 255`);
    if (typeof el.max_length === 'number' && (el.max_length < 1 || el.max_length > 3000))
      problems.push(`${path}.max_length: 1–3000`);
    if (el.placeholder !== undefined) checkTextObject(el.placeholder, `${path}.placeholder`, 150, problems, true);
    return;
  }
  if (el.type === 'checkboxes') {
    // https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element and the option object's limits.
    if (typeof el.action_id === 'string' && el.action_id.length > 255)
      problems.push(`${path}.action_id: longer than 255`);
    if (!Array.isArray(el.options) || el.options.length < 1 || el.options.length > 10)
      return void problems.push(`${path}.options: 1–10 options`);
    el.options.forEach((o, j) => {
      if (!isObj(o)) return void problems.push(`${path}.options[${j}]: must be an object`);
      checkTextObject(o.text, `${path}.options[${j}].text`, 75, problems);
      if (typeof o.value !== 'string' || o.value.length < 1 || o.value.length > 150)
        problems.push(`${path}.options[${j}].value: 1–150 characters`);
    });
    return;
  }
  if (el.type === 'image' || el.type === 'static_select' || el.type === 'overflow' || el.type === 'datepicker') return;
  problems.push(`${path}.type: unsupported element ${String(el.type)}`);
}

export function checkBlocks(blocks: unknown, surface: 'message' | 'modal' | 'home', problems: string[]): void {
  if (!Array.isArray(blocks)) return void problems.push('blocks: must be an array');
  const max = surface === 'message' ? 50 : 100;
  if (blocks.length > max) problems.push(`blocks: more than ${max} blocks`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const path = `blocks[${i}]`;
    if (!isObj(block)) return void problems.push(`${path}: must be an object`);
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > 255) problems.push(`${path}.block_id: longer than 255`);
      if (blockIds.has(block.block_id)) problems.push(`${path}.block_id: duplicate "${block.block_id}"`);
      blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        checkTextObject(block.text, `${path}.text`, 150, problems, true);
        break;
      case 'section':
        if (block.text === undefined && block.fields === undefined) problems.push(`${path}: needs text or fields`);
        if (block.text !== undefined) checkTextObject(block.text, `${path}.text`, 3000, problems);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > 10) problems.push(`${path}.fields: at most 10`);
          else block.fields.forEach((f, j) => checkTextObject(f, `${path}.fields[${j}]`, 2000, problems));
        }
        if (block.accessory !== undefined) checkElement(block.accessory, `${path}.accessory`, problems);
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10)
          problems.push(`${path}.elements: 1–10 elements`);
        else
          block.elements.forEach((e, j) => {
            if (isObj(e) && e.type !== 'image') checkTextObject(e, `${path}.elements[${j}]`, 3000, problems);
          });
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 25)
          problems.push(`${path}.elements: 1–25 elements`);
        else {
          const ids = new Set<string>();
          block.elements.forEach((e, j) => {
            checkElement(e, `${path}.elements[${j}]`, problems);
            const id = isObj(e) && typeof e.action_id === 'string' ? e.action_id : undefined;
            if (id && ids.has(id)) problems.push(`${path}.elements[${j}].action_id: duplicate "${id}" in one block`);
            if (id) ids.add(id);
          });
        }
        break;
      case 'divider':
        break;
      case 'input':
        if (surface === 'message') problems.push(`${path}: input blocks are not allowed in messages`);
        checkTextObject(block.label, `${path}.label`, 2000, problems, true);
        if (block.hint !== undefined) checkTextObject(block.hint, `${path}.hint`, 2000, problems, true);
        checkElement(block.element, `${path}.element`, problems);
        break;
      default:
        problems.push(`${path}.type: unsupported block ${String(block.type)}`);
    }
  });
}

export function checkView(view: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(view)) return ['view: must be an object'];
  const surface = view.type === 'home' ? 'home' : 'modal';
  if (view.type !== 'modal' && view.type !== 'home') problems.push('view.type: must be modal or home');
  if (surface === 'modal') {
    checkTextObject(view.title, 'view.title', 24, problems, true);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) problems.push('view.submit: must define submit to use input block');
    if (view.submit !== undefined) checkTextObject(view.submit, 'view.submit', 24, problems, true);
    if (view.close !== undefined) checkTextObject(view.close, 'view.close', 24, problems, true);
  }
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
    problems.push('view.private_metadata: longer than 3000');
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255)
    problems.push('view.callback_id: longer than 255');
  if (JSON.stringify(view).length > 250_000) problems.push('view: larger than 250 kB (view_too_large)');
  checkBlocks(view.blocks, surface, problems);
  return problems;
}

export function checkMessage(
  args: Json,
  method: 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'response_url',
): string[] {
  const problems: string[] = [];
  const text = typeof args.text === 'string' ? args.text : '';
  if (args.blocks !== undefined) checkBlocks(args.blocks, 'message', problems);
  if (!text && args.blocks === undefined && !args.delete_original)
    problems.push('text: required (no text and no blocks)');
  if (!text && args.blocks !== undefined && method !== 'response_url')
    problems.push('text: send top-level text together with blocks (used for notifications)');
  if (method === 'chat.update' && text.length > 4000) problems.push('text: msg_too_long (over 4,000 characters)');
  const total = Array.isArray(args.blocks) ? JSON.stringify(args.blocks).length : 0;
  if (total > 13_000) problems.push('blocks: msg_blocks_too_long (cumulative block text)');
  return problems;
}
