import { DEMO_MACHINES } from '../demo-machines.js';
import type { CompositionParts } from '../../compose.js';
import type { Credential } from '../../domain/types.js';
import { healthLabel, providerLabel } from '../../slack/blocks/describe.js';
import type { SlackEmulator, StoredMessage } from '../slack/emulator.js';
import { DEMO_ROWS, DEMO_USER, DEMO_CHANNEL, type MachineSecrets } from '../demo.js';
import { escapeHtml, renderMrkdwn, renderPlain, type MrkdwnContext } from './mrkdwn.js';
import { renderBlocks, renderModal } from './render-blocks.js';

/** Ephemeral replies the person saw (ack bodies and response_url posts), oldest first. */
export interface Ephemeral {
  at: number;
  text: string;
  blocks: unknown[];
}

export interface PanesState {
  channel: string;
  home: string;
  dms: string;
  modal: string;
  modalId: string;
  controls: string;
}

const names: Record<string, string> = { [DEMO_USER.id]: DEMO_USER.name, U0ADMIN: 'admin', UREAUTHBOT: 'reauth' };
const ctx: MrkdwnContext = { nameOf: (id) => names[id] ?? id };

function time(ts: string | number): string {
  const ms = typeof ts === 'number' ? ts : Number(ts.split('.')[0]) * 1000;
  return new Date(ms).toISOString().slice(11, 16);
}

function renderMessage(message: StoredMessage, replies: StoredMessage[]): string {
  const body = message.blocks.length
    ? renderBlocks(message.blocks, { ...ctx, container: { type: 'message', channel: message.channel, ts: message.ts } })
    : renderMrkdwn(message.text, ctx);
  const thread = replies.length
    ? `<div class="thread"><div class="thread-count">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>${replies.map((r) => renderMessage(r, [])).join('')}</div>`
    : '';
  return `<div class="msg" data-ts="${escapeHtml(message.ts)}"><div class="msg-meta"><b>reauth</b> <span class="app-tag">APP</span> <span class="time">${time(message.ts)}</span>${message.updatedAt ? ' <span class="edited">(edited)</span>' : ''}</div><div class="msg-body">${body}</div>${thread}</div>`;
}

function renderEphemeral(e: Ephemeral): string {
  const body = e.blocks.length
    ? renderBlocks(e.blocks, {
        ...ctx,
        container: { type: 'message', channel: DEMO_CHANNEL.id, ts: `${Math.floor(e.at / 1000)}.000000` },
      })
    : renderMrkdwn(e.text, ctx);
  return `<div class="msg ephemeral"><div class="msg-meta"><b>reauth</b> <span class="app-tag">APP</span> <span class="time">${time(e.at)}</span> <span class="only-you">Only visible to you</span></div><div class="msg-body">${body}</div></div>`;
}

function renderConversation(
  messages: readonly StoredMessage[],
  channel: string,
  ephemerals: readonly Ephemeral[],
): string {
  const top = messages.filter((m) => m.channel === channel && !m.threadTs && !m.ephemeral);
  const items: { at: number; html: string }[] = top.map((m) => ({
    at: Number(m.ts.split('.')[0]) * 1000 + Number(m.ts.split('.')[1] ?? 0) / 1e6,
    html: renderMessage(
      m,
      messages.filter((r) => r.channel === channel && r.threadTs === m.ts),
    ),
  }));
  for (const e of ephemerals) items.push({ at: e.at, html: renderEphemeral(e) });
  items.sort((a, b) => a.at - b.at);
  return items.map((i) => i.html).join('') || '<div class="empty">No messages yet.</div>';
}

const CONTROL_LABELS: Record<string, string> = {
  revoke: 'Revoke',
  expire_soon: 'Expire soon',
  rate_limit: 'Rate-limit',
  slow: 'Slow',
  down: 'Provider down',
  healthy: 'Back to healthy',
  check: 'Check now',
  webhook_failing: 'Webhook: failing',
  webhook_healthy: 'Webhook: healthy',
  short_tokens: 'Short tokens',
};

/** A machine identity's fresh root secret, as the fields to paste (a key in a box of its own). */
function freshRootSecret(row: (typeof DEMO_ROWS)[number], secrets: MachineSecrets): string {
  const fresh = secrets[row.id]?.fresh ?? {};
  return Object.entries(fresh)
    .map(([field, value]) =>
      field === 'private_key'
        ? `<details><summary><span class="k">a new private key</span> (paste it in the form)</summary><pre class="copy" data-demo-token="${escapeHtml(row.id)}">${escapeHtml(value)}</pre></details>`
        : `<div><span class="k">${escapeHtml(field)}</span> <code class="copy" data-demo-token="${escapeHtml(row.id)}">${escapeHtml(value)}</code></div>`,
    )
    .join('');
}

async function renderControls(rt: CompositionParts, secrets: MachineSecrets): Promise<string> {
  const health = await rt.store.health.listAll();
  const integrations = new Map((await rt.store.integrations.listActive()).map((i) => [i.id, i]));
  const credentials = new Map<string, Credential | undefined>();
  for (const integration of integrations.values())
    credentials.set(integration.id, await rt.store.credentials.current(integration.credentialKey));
  return DEMO_ROWS.map((row) => {
    const h = health.get(row.id);
    const credential = credentials.get(row.id);
    const demo = [
      row.identifier
        ? `<div><span class="k">${row.identifier.field}</span> <code class="copy">${escapeHtml(row.identifier.value)}</code></div>`
        : '',
      row.machine ? freshRootSecret(row, secrets) : '',
      ...(row.fresh ?? []).map(
        (t, i) =>
          `<div><span class="k">valid token${row.fresh && row.fresh.length > 1 ? ` ${i + 1}` : ''}</span> <code class="copy" data-demo-token="${escapeHtml(row.id)}">${escapeHtml(t)}</code></div>`,
      ),
      row.otherAccount
        ? `<div><span class="k">another account</span> <code class="copy">${escapeHtml(row.otherAccount.token)}</code>${row.otherAccount.identifier ? ` with <code class="copy">${escapeHtml(row.otherAccount.identifier)}</code>` : ''} <span class="note">(asks before it replaces the current one)</span></div>`
        : '',
      row.note ? `<div class="note">${escapeHtml(row.note)}</div>` : '',
    ].join('');
    const appType = !row.fresh && !row.machine;
    const actions = row.machine
      ? ['short_tokens', 'revoke', 'delete_root', 'down', 'healthy', 'check']
      : row.auth === 'oauth'
        ? ['revoke', 'down', 'healthy', 'check']
        : appType
          ? ['webhook_failing', 'webhook_healthy']
          : ['revoke', 'expire_soon', 'rate_limit', 'slow', 'down', 'healthy', 'check'];
    const buttons = actions
      .map(
        (action) =>
          `<button type="button" class="ctl" data-control="${action}" data-integration="${escapeHtml(row.id)}">${action === 'delete_root' && row.machine ? `Delete ${DEMO_MACHINES[row.machine].asks}` : (CONTROL_LABELS[action] ?? action)}</button>`,
      )
      .join('');
    return `<div class="integration" data-integration="${escapeHtml(row.id)}"><div class="i-head"><b>${escapeHtml(row.name)}</b> <code>${escapeHtml(row.id)}</code></div>
<div class="i-meta">${renderPlain(healthLabel(h?.status))} · ${escapeHtml(providerLabel(row.provider))} · <code>${row.auth}</code>${credential ? ` · holds <code>${escapeHtml(credential.fingerprints.join(', '))}</code>` : ''}</div>
${h?.reason ? `<div class="${h.status === 'failing' ? 'i-reason' : 'i-note'}">${renderMrkdwn(h.reason, ctx)}</div>` : ''}${demo}<div class="ctls">${buttons}</div></div>`;
  }).join('');
}

/** Every pane of the page, rendered from what the Slack emulator recorded and what Reauth stores. */
export async function buildPanes(
  rt: CompositionParts,
  slack: SlackEmulator,
  ephemerals: readonly Ephemeral[],
  secrets: MachineSecrets = {},
): Promise<PanesState> {
  const dmChannel = `D${DEMO_USER.id.slice(1)}`;
  const home = slack.home(DEMO_USER.id);
  const open = [...slack.calls]
    .reverse()
    .find((c) => c.method === 'views.open' && c.ok && c.ref && !slack.view(c.ref)?.closed);
  const stored = open?.ref ? slack.view(open.ref) : undefined;
  return {
    channel: renderConversation(slack.messages, DEMO_CHANNEL.id, ephemerals),
    dms: renderConversation(slack.messages, dmChannel, []),
    home: home
      ? renderBlocks(home.blocks, { ...ctx, container: { type: 'home' } })
      : '<div class="empty">Open the Home tab to load it.</div>',
    modal: stored
      ? renderModal(stored.view, stored.id, { ...ctx, ...(stored.errors ? { errors: stored.errors } : {}) })
      : '',
    modalId: stored ? `${stored.id}:${stored.hash}:${JSON.stringify(stored.errors ?? {})}` : '',
    controls: await renderControls(rt, secrets),
  };
}
