import { existsSync, readFileSync } from 'node:fs';
import type { CompositionParts } from '../../compose.js';
import { sinkLabel } from '../../domain/delivery.js';
import {
  DELIVERY_DEMO_ID,
  MACHINE_DEMO_ID,
  ROTATION_DEMO_ID,
  VAULT_PATH,
  vaultPathOf,
  type SandboxDelivery,
} from '../sinks/sandbox-delivery.js';
import { escapeHtml } from './mrkdwn.js';

const STATE_ICON: Record<string, string> = {
  delivered: '✅ delivered',
  pending: '⏳ pending',
  failing: '⚠️ failing',
  none: '– nothing yet',
};

/** The "Getting credentials out" panel: the pull API's curl, each sink's state, and what the sinks hold. */
export async function renderDelivery(rt: CompositionParts, delivery: SandboxDelivery, origin: string): Promise<string> {
  const curl = `curl -H "Authorization: Bearer ${delivery.consumerToken}" ${origin}/v1/credentials/${DELIVERY_DEMO_ID}`;
  const states = await rt.services.sinkStates([DELIVERY_DEMO_ID]);
  const rows = states
    .map(
      (s) =>
        `<tr data-sink="${escapeHtml(s.sinkKey.split(':')[0] ?? '')}"><td>${escapeHtml(sinkLabel(s.sinkKey))}</td><td class="sink-state">${STATE_ICON[s.state] ?? s.state}${s.version === null ? '' : ` · v${s.version}`}${s.state === 'failing' && s.reason ? `<div class="i-reason">${escapeHtml(s.reason)}</div>` : ''}</td></tr>`,
    )
    .join('');
  const events = delivery.hook.received
    .slice(-6)
    .reverse()
    .map(
      (r) =>
        `<li>${r.verified ? '✔ signature verified' : '✘ bad signature'} · <code>${escapeHtml(r.payload?.type ?? '?')}</code>${r.payload?.data?.version === undefined ? '' : ` v${escapeHtml(String(r.payload.data.version))}`} · <code>${escapeHtml(r.id)}</code></li>`,
    )
    .join('');
  const vaultData = delivery.vault.read(VAULT_PATH.mount, VAULT_PATH.path);
  const vaultVersions = delivery.vault.versions(VAULT_PATH.mount, VAULT_PATH.path).length;
  let fileVersion = '–';
  if (existsSync(delivery.filePath)) {
    try {
      fileVersion = `v${String((JSON.parse(readFileSync(delivery.filePath, 'utf8')) as { version?: number }).version)}`;
    } catch {
      fileVersion = 'unreadable';
    }
  }
  const rotated = await rt.services.sinkStates([ROTATION_DEMO_ID]);
  const rotationCurl = `curl -H "Authorization: Bearer ${delivery.consumerToken}" ${origin}/v1/credentials/${ROTATION_DEMO_ID}`;
  const rotationRows = rotated
    .map(
      (s) =>
        `<tr data-sink="${escapeHtml(s.sinkKey.split(':')[0] ?? '')}"><td>${escapeHtml(sinkLabel(s.sinkKey))}</td><td class="sink-state">${STATE_ICON[s.state] ?? s.state}${s.version === null ? '' : ` · v${s.version}`}</td></tr>`,
    )
    .join('');
  const minted = await rt.services.sinkStates([MACHINE_DEMO_ID]);
  const mintedRows = minted
    .map(
      (s) =>
        `<tr data-sink="${escapeHtml(s.sinkKey.split(':')[0] ?? '')}"><td>${escapeHtml(sinkLabel(s.sinkKey))}</td><td class="sink-state">${STATE_ICON[s.state] ?? s.state}${s.version === null ? '' : ` · v${s.version}`}</td></tr>`,
    )
    .join('');
  const machineVault = vaultPathOf(MACHINE_DEMO_ID);
  const held = delivery.vault.read(machineVault.mount, machineVault.path) as
    | { expires_at?: string; reauth_version?: number }
    | undefined;
  const machineCurl = `curl -H "Authorization: Bearer ${delivery.consumerToken}" ${origin}/v1/credentials/${MACHINE_DEMO_ID}`;
  return `<h2>Getting credentials out</h2>
<p style="font-size:12px;color:#666">Re-authenticate <code>${DELIVERY_DEMO_ID}</code> and watch the new credential reach its sinks. Pull it yourself:</p>
<code class="copy curl" id="pull-curl">${escapeHtml(curl)}</code>
<table class="sinks" id="delivery-sinks"><tbody>${rows}</tbody></table>
<div class="i-meta">Vault KV v2 <code>${escapeHtml(`${VAULT_PATH.mount}/data/${VAULT_PATH.path}`)}</code>: ${vaultData ? `holds v${escapeHtml(String(vaultData.reauth_version))} (KV version ${vaultVersions})` : 'empty'} · file: ${escapeHtml(fileVersion)}</div>
<div class="i-meta">Webhook receiver (last events):</div><ul class="events">${events || '<li>none yet</li>'}</ul>
<p style="font-size:12px;color:#666">Rotation: press <b>Expire soon</b> on <code>${ROTATION_DEMO_ID}</code>; Reauth renews the token itself and delivers it. Pull it:</p>
<code class="copy curl" id="pull-curl-rotation">${escapeHtml(rotationCurl)}</code>
<table class="sinks" id="rotation-sinks"><tbody>${rotationRows}</tbody></table>
<p style="font-size:12px;color:#666">Machine identity: <code>${MACHINE_DEMO_ID}</code> holds a GitHub App's key; its sinks always hold a minted installation token that still works (press <b>Short tokens</b> to watch a new one every 2 minutes). Pull it:</p>
<code class="copy curl" id="pull-curl-machine">${escapeHtml(machineCurl)}</code>
<table class="sinks" id="machine-sinks"><tbody>${mintedRows}</tbody></table>
<div class="i-meta" id="machine-vault">Vault holds ${held ? `v${escapeHtml(String(held.reauth_version))}, valid until ${escapeHtml(String(held.expires_at ?? '?'))}` : 'nothing yet'}</div>`;
}
