import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../app.js';
import type { CompositionParts } from '../compose.js';
import { unsealPayload } from '../services/secret-payload.js';
import { signWebhook } from '../services/webhook-signature.js';
import { DEMO_MACHINES } from './demo-machines.js';
import { DEMO_CHANNEL, DEMO_ROWS, DEMO_USER, type MachineSecrets } from './demo.js';
import { buildPanes, type Ephemeral } from './page/state.js';
import { pageShell } from './page/shell.js';
import type { ProviderEmulator } from './providers/emulator.js';
import { readBody } from './providers/http-utils.js';
import type { SlackDriver } from './slack/driver.js';
import type { SlackEmulator } from './slack/emulator.js';
import { renderDelivery } from './page/delivery.js';
import type { SandboxDelivery } from './sinks/sandbox-delivery.js';

const DAY = 24 * 3600 * 1000;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The sandbox API acts as the demo user, so only the page itself may call it: the Host must be the
 * sandbox's own (no DNS rebinding), a POST must be JSON (no cross-site form post) from the sandbox's
 * own origin (https://owasp.org/www-community/attacks/csrf).
 */
function crossSiteRefusal(req: IncomingMessage, origin: string): string | undefined {
  const own = new URL(origin);
  const hosts = new Set([own.host, `localhost:${own.port}`]);
  if (!hosts.has(req.headers.host ?? '')) return `Host ${req.headers.host ?? '(none)'} is not this sandbox`;
  if (req.method !== 'POST') return undefined;
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return 'the body must be JSON';
  const from = req.headers.origin;
  if (from !== undefined && !new Set([own.origin, `http://localhost:${own.port}`]).has(from))
    return `origin ${from} is not this sandbox`;
  return undefined;
}

/** The page and its small API: every person action becomes a signed Slack request to the real bot. */
export function sandboxRoutes(params: {
  slack: SlackEmulator;
  providers: ProviderEmulator;
  driver: SlackDriver;
  origin: string;
  delivery?: SandboxDelivery;
  /** The demo machine identities' root secrets (fresh ones are shown to paste). */
  machineSecrets?: MachineSecrets;
}) {
  const { slack, providers, driver } = params;
  const ephemerals: Ephemeral[] = [];
  let responsesSeen = 0;
  const actor = { userId: DEMO_USER.id, name: DEMO_USER.name, channelId: DEMO_CHANNEL.id };

  /** response_url posts become ephemeral messages (replace_original replaces the last one). */
  function collectResponses(): void {
    for (const response of slack.responses.slice(responsesSeen)) {
      const body = response.body as {
        text?: string;
        blocks?: unknown[];
        replace_original?: boolean;
        delete_original?: boolean;
      };
      if (body.delete_original) ephemerals.pop();
      else if (body.replace_original && ephemerals.length)
        ephemerals[ephemerals.length - 1] = { at: response.at, text: body.text ?? '', blocks: body.blocks ?? [] };
      else ephemerals.push({ at: response.at, text: body.text ?? '', blocks: body.blocks ?? [] });
    }
    responsesSeen = slack.responses.length;
  }

  /** The secrets Reauth currently holds for an integration, so the controls break what is really in use. */
  async function heldTokens(rt: CompositionParts, integrationId: string): Promise<string[]> {
    const integration = await rt.store.integrations.findActive(integrationId);
    const credential = integration && (await rt.store.credentials.current(integration.credentialKey));
    if (!integration || !credential?.sealedSecret) return [];
    const payload = unsealPayload(rt.keyring, credential, credential.sealedSecret);
    return payload.kind === 'tokens' ? payload.tokens : [payload.accessToken];
  }

  async function control(rt: CompositionParts, integrationId: string, action: string): Promise<string> {
    const integration = await rt.store.integrations.findActive(integrationId);
    if (!integration) return 'Unknown integration.';
    const tokens = await heldTokens(rt, integrationId);
    const provider = integration.provider;
    const patch = (p: Parameters<ProviderEmulator['updateToken']>[1]) =>
      tokens.forEach((t) => providers.token(t) && providers.updateToken(t, p));
    const names = (await rt.store.integrations.listByCredentialKey(integration.credentialKey))
      .map((i) => i.name)
      .join(', ');
    const row = DEMO_ROWS.find((r) => r.id === integrationId);
    const machine = row?.machine ? DEMO_MACHINES[row.machine] : undefined;
    switch (action) {
      case 'delete_root': {
        if (!machine || !row) return `${names} is not a machine identity.`;
        const fresh = machine.deleteRoot(providers);
        const shown = params.machineSecrets?.[row.id];
        if (shown) shown.fresh = fresh;
        return `Deleted ${machine.deleted} at the emulated provider. The tokens already minted work until they end; the next mint is refused and the alert asks for a new ${machine.asks} (paste the fresh one shown here).`;
      }
      case 'short_tokens': {
        if (!machine) return `${names} is not a machine identity.`;
        machine.shortenTokens(providers, 180);
        // The token held now is revoked, so the next check replaces it with a short one at once.
        patch({ status: 'revoked' });
        await rt.services.checkNow(integrationId, DEMO_USER.id, { ignoreRecentRejection: true });
        return `Tokens of ${names} now live 3 minutes: Reauth mints a new one a minute before each ends${row?.machine === 'github_app' ? ' and delivers it to the sinks (watch the Vault line)' : ''}, with nobody doing anything.`;
      }
      case 'revoke':
        if (!tokens.length) return `${names} holds no credential yet: re-authenticate it first.`;
        patch({ status: 'revoked' });
        return `Revoked the credential of ${names} at the emulated provider. Press Check now (or wait for the monitor) to see the alert.`;
      case 'expire_soon':
        if (!tokens.length) return `${names} holds no credential yet.`;
        patch({ expiresAt: new Date(rt.clock.now().getTime() + 2 * DAY) });
        await rt.services.checkNow(integrationId, DEMO_USER.id, { ignoreRecentRejection: true });
        await rt.monitor.sendExpiryWarnings();
        return `The credential of ${names} now expires in 2 days${['github', 'github_actions', 'gitlab', 'sonarqube', 'harness'].includes(provider) ? '' : ' (this provider does not report expiry, so no warning can appear)'}.`;
      case 'rate_limit':
        patch({ status: 'rate_limited', retryAfterSeconds: 120 });
        return `${names} is now rate-limited for its credential. Transient problems alert after 3 failed checks in a row.`;
      case 'slow':
        patch({ status: 'slow', delayMs: 2500 });
        return `${names} now answers after 2.5 s: re-authenticating shows "Validating connection…" first.`;
      case 'down':
        providers.setProviderDown(provider, true);
        return `The emulated ${provider} is down (503). Transient problems alert after 3 failed checks in a row.`;
      case 'healthy':
        providers.setProviderDown(provider, false);
        patch({ status: 'valid' });
        return `${names} is back to healthy at the emulated provider. Press Check now to see the alert resolve.`;
      case 'webhook_failing':
      case 'webhook_healthy': {
        const secret = rt.config.healthWebhookSecret ?? '';
        const body = JSON.stringify({
          integration: integrationId,
          status: action === 'webhook_failing' ? 'failing' : 'healthy',
          reason: 'The sandbox sent a failing health signal.',
        });
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await fetch(`${rt.config.publicUrl}/webhooks/health`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Reauth-Timestamp': String(timestamp),
            'X-Reauth-Signature': signWebhook(secret, timestamp, body),
          },
          body,
        });
        return `POST /webhooks/health → ${response.status}: ${names} reported ${action === 'webhook_failing' ? 'failing' : 'healthy'}.`;
      }
      case 'check': {
        // The panel is the operator's own control of the emulated providers: it may check again at once.
        const checked = await rt.services.checkNow(integrationId, DEMO_USER.id, { ignoreRecentRejection: true });
        return checked.kind === 'checked'
          ? `Checked ${names}: ${checked.result.outcome.kind === 'valid' ? 'works' : checked.result.outcome.reason}`
          : 'Unknown integration.';
      }
      default:
        return 'Unknown control.';
    }
  }

  return (rt: CompositionParts): Route[] => [
    {
      path: '/sandbox',
      method: ['GET'],
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(pageShell());
      },
    },
    {
      path: '/sandbox/api/:action',
      method: ['GET', 'POST'],
      handler: async (req: IncomingMessage, res: ServerResponse) => {
        const refused = crossSiteRefusal(req, params.origin);
        if (refused)
          return json(res, 403, {
            error: 'cross_site',
            message: `The sandbox API answers only from the sandbox page itself (${refused}).`,
          });
        const action = new URL(req.url ?? '/', 'http://sandbox').pathname.split('/').pop();
        collectResponses();
        if (req.method === 'GET' && action === 'state')
          return json(res, 200, {
            ...(await buildPanes(rt, slack, ephemerals, params.machineSecrets ?? {})),
            delivery: params.delivery ? await renderDelivery(rt, params.delivery, params.origin) : '',
          });
        const body = JSON.parse((await readBody(req)) || '{}') as Record<
          string,
          string | Record<string, string> | undefined
        >;
        const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
        switch (action) {
          case 'command': {
            const response = await driver.command(text('text'), actor);
            const ack = response.json as { text?: string; blocks?: unknown[] } | undefined;
            if (ack?.text || ack?.blocks)
              ephemerals.push({ at: Date.now(), text: ack.text ?? '', blocks: ack.blocks ?? [] });
            return json(res, 200, {
              ok: response.status === 200,
              message: response.status === 200 ? '' : `Slack would show: dispatch_failed (HTTP ${response.status})`,
            });
          }
          case 'action': {
            const container = text('container');
            await driver.click({
              actionId: text('actionId'),
              value: text('value'),
              actor,
              ...(container === 'message' ? { message: { channel: text('channel'), ts: text('ts') } } : {}),
              ...(container === 'view' ? { viewId: text('viewId') } : {}),
              ...(text('url') ? { url: text('url') } : {}),
            });
            return json(res, 200, { ok: true });
          }
          case 'submit': {
            const values = (typeof body.values === 'object' ? body.values : {}) as Record<string, string>;
            const response = await driver.submit(text('viewId'), values, actor);
            slack.applySubmissionAck(text('viewId'), response.json);
            return json(res, 200, { ok: true });
          }
          case 'close':
            await driver.close(text('viewId'), actor);
            slack.closeView(text('viewId'));
            return json(res, 200, { ok: true });
          case 'home':
            await driver.event({
              type: 'app_home_opened',
              user: DEMO_USER.id,
              channel: `D${DEMO_USER.id.slice(1)}`,
              tab: 'home',
            });
            return json(res, 200, { ok: true });
          case 'control':
            return json(res, 200, { ok: true, message: await control(rt, text('integration'), text('action')) });
          default:
            return json(res, 404, { error: 'not_found' });
        }
      },
    },
  ];
}
