import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/client.js';
import { claimAlertPost, insertOpenAlert, openAlert, updateAlert, type AlertRow } from '../db/repositories/alerts.js';
import { listIntegrationsByIds, type IntegrationRow } from '../db/repositories/integrations.js';
import { buildAlertMessage, buildResolvedAlert, type AlertFacts } from '../slack/blocks/alert.js';
import type { MessageContent } from '../slack/blocks/messages.js';
import type { Authoriser } from './authorisation.js';
import type { ServiceDeps } from './deps.js';
import { createKeyedLock } from './keyed-lock.js';
import { slackErrorCode } from './slack-errors.js';

/**
 * The alert lifecycle: at most one open alert per alert key (an integration, or the credential
 * several Azure DevOps integrations share), posted once, edited in place while failing, edited to
 * resolved with a thread reply when fixed. The database's unique index holds across processes;
 * a per-key lock orders concurrent probes within one.
 */

export interface AlertDeps extends ServiceDeps {
  slack: WebClient;
  authoriser: Authoriser;
}

export const alertKeyOf = (integration: Pick<IntegrationRow, 'credentialKey'>): string => integration.credentialKey;

export function alertChannelOf(deps: Pick<ServiceDeps, 'config'>, integration: Pick<IntegrationRow, 'channel'>): string | undefined {
  return integration.channel ?? deps.config.defaultAlertChannel;
}

export function createAlerts(deps: AlertDeps) {
  const withLock = createKeyedLock();

  function recordPostFailure(alert: AlertRow, error: unknown): void {
    const code = slackErrorCode(error);
    // Logged once per alert and error; retried on the next probe.
    if (alert.postError !== code) deps.logger.warn({ alert: alert.alertKey, channel: alert.channel, error: code }, 'could not post the alert to its channel; will retry');
    updateAlert(deps.db, alert.id, { postError: code, postErrorAt: deps.clock.now() });
  }

  async function post(alert: AlertRow, content: MessageContent): Promise<void> {
    try {
      const result = await deps.slack.chat.postMessage({ channel: alert.channel, text: content.text, blocks: content.blocks, unfurl_links: false });
      updateAlert(deps.db, alert.id, { messageTs: result.ts ?? null, channel: result.channel ?? alert.channel, postError: null, postErrorAt: null });
    } catch (error) {
      recordPostFailure(alert, error);
    }
  }

  return {
    /** Opens the alert for this failure, or keeps the open one current. */
    raise(integrations: readonly IntegrationRow[], facts: Omit<AlertFacts, 'integrations' | 'approvers'>): Promise<AlertRow | undefined> {
      const first = integrations[0];
      if (!first) return Promise.resolve(undefined);
      const key = alertKeyOf(first);
      return withLock(key, async () => {
        const approvers = deps.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]);
        const content = buildAlertMessage({ ...facts, integrations, approvers });
        let alert = openAlert(deps.db, key);
        if (!alert) {
          const channel = alertChannelOf(deps, first);
          if (!channel) {
            deps.logger.warn({ integration: first.id }, 'no alert channel: set channel in integrations.yml or DEFAULT_ALERT_CHANNEL');
            return undefined;
          }
          alert = insertOpenAlert(deps.db, { alertKey: key, integrationIds: integrations.map((i) => i.id), channel, reason: facts.reason, openedAt: facts.since }) ?? openAlert(deps.db, key);
          if (!alert) return undefined;
        } else {
          updateAlert(deps.db, alert.id, { reason: facts.reason, integrationIds: integrations.map((i) => i.id) });
        }
        if (!alert.messageTs) {
          // Another process may be posting this very alert: only the claimant posts.
          if (claimAlertPost(deps.db, alert.id, deps.clock.now())) await post(alert, content);
        } else {
          try {
            await deps.slack.chat.update({ channel: alert.channel, ts: alert.messageTs, text: content.text, blocks: content.blocks });
          } catch (error) {
            deps.logger.warn({ alert: key, error: slackErrorCode(error) }, 'could not update the alert message');
          }
        }
        return openAlert(deps.db, key);
      });
    },

    /** Edits the open alert (if any) to resolved and posts the outcome in its thread. */
    resolve(key: string, params: { by: string | null; how: string; thread?: MessageContent; fixed?: boolean }): Promise<AlertRow | undefined> {
      return withLock(key, async () => {
        const alert = openAlert(deps.db, key);
        if (!alert) return undefined;
        const now = deps.clock.now();
        updateAlert(deps.db, alert.id, { resolvedAt: now, resolvedBy: params.by, resolvedHow: params.how });
        if (!alert.messageTs) return alert;
        const integrations = listIntegrationsByIds(deps.db, alert.integrationIds);
        const resolved = buildResolvedAlert({ integrations, reason: alert.reason, openedAt: alert.openedAt, resolvedAt: now, by: params.by, how: params.how, ...(params.fixed === undefined ? {} : { fixed: params.fixed }) });
        try {
          await deps.slack.chat.update({ channel: alert.channel, ts: alert.messageTs, text: resolved.text, blocks: resolved.blocks });
          const thread = params.thread ?? resolved;
          await deps.slack.chat.postMessage({ channel: alert.channel, thread_ts: alert.messageTs, text: thread.text, blocks: thread.blocks });
        } catch (error) {
          deps.logger.warn({ alert: key, error: slackErrorCode(error) }, 'could not mark the alert resolved in Slack');
        }
        return alert;
      });
    },

    withLock,
  };
}

export type Alerts = ReturnType<typeof createAlerts>;

export function openAlertFor(db: Db, integration: Pick<IntegrationRow, 'credentialKey'>): AlertRow | undefined {
  return openAlert(db, alertKeyOf(integration));
}
