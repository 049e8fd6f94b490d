import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { alertKeyOf } from '../domain/integration.js';
import type { Alert, Integration } from '../domain/types.js';
import type { Logger } from '../logger.js';
import { buildAlertMessage, buildResolvedAlert, type AlertFacts } from '../slack/blocks/alert.js';
import type { MessageContent } from '../slack/blocks/messages.js';
import type { SlackChat } from '../slack/client.js';
import { slackErrorCode } from '../slack/errors.js';
import type { Authoriser } from './authorisation.js';
import { createKeyedLock } from './keyed-lock.js';

/**
 * The alert lifecycle: at most one open alert per alert key (an integration, or the credential
 * several Azure DevOps integrations share), posted once, edited in place while failing, edited to
 * resolved with a thread reply when fixed. The store's unique index holds across processes;
 * a per-key lock orders concurrent probes within one.
 */

export interface AlertDeps {
  store: Pick<Store, 'alerts' | 'integrations'>;
  slack: SlackChat;
  authoriser: Pick<Authoriser, 'approvers'>;
  logger: Logger;
  clock: Clock;
  /** Where integrations without a channel alert (DEFAULT_ALERT_CHANNEL). */
  defaultChannel: string | undefined;
}

/** The channel an integration's alerts and messages go to, if any. */
export type ChannelOf = (integration: Pick<Integration, 'channel'>) => string | undefined;

export const channelResolver =
  (defaultChannel: string | undefined): ChannelOf =>
  (integration) =>
    integration.channel ?? defaultChannel;

export function createAlerts(deps: AlertDeps) {
  const withLock = createKeyedLock();
  const channelOf = channelResolver(deps.defaultChannel);

  async function recordPostFailure(alert: Alert, error: unknown): Promise<void> {
    const code = slackErrorCode(error);
    // Logged once per alert and error; retried on the next probe.
    if (alert.postError !== code) deps.logger.warn({ alert: alert.alertKey, channel: alert.channel, error: code }, 'could not post the alert to its channel; will retry');
    await deps.store.alerts.update(alert.id, { postError: code, postErrorAt: deps.clock.now() });
  }

  async function post(alert: Alert, content: MessageContent): Promise<void> {
    try {
      const result = await deps.slack.chat.postMessage({ channel: alert.channel, text: content.text, blocks: content.blocks, unfurl_links: false });
      await deps.store.alerts.update(alert.id, { messageTs: result.ts ?? null, channel: result.channel ?? alert.channel, postError: null, postErrorAt: null });
    } catch (error) {
      await recordPostFailure(alert, error);
    }
  }

  return {
    /** Opens the alert for this failure, or keeps the open one current. */
    raise(integrations: readonly Integration[], facts: Omit<AlertFacts, 'integrations' | 'approvers'>): Promise<Alert | undefined> {
      const first = integrations[0];
      if (!first) return Promise.resolve(undefined);
      const key = alertKeyOf(first);
      return withLock(key, async () => {
        const approvers = deps.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]);
        const content = buildAlertMessage({ ...facts, integrations, approvers });
        let alert = await deps.store.alerts.open(key);
        if (!alert) {
          const channel = channelOf(first);
          if (!channel) {
            deps.logger.warn({ integration: first.id }, 'no alert channel: set channel in integrations.yml or DEFAULT_ALERT_CHANNEL');
            return undefined;
          }
          alert = (await deps.store.alerts.insertOpen({ alertKey: key, integrationIds: integrations.map((i) => i.id), channel, reason: facts.reason, openedAt: facts.since })) ?? (await deps.store.alerts.open(key));
          if (!alert) return undefined;
        } else {
          await deps.store.alerts.update(alert.id, { reason: facts.reason, integrationIds: integrations.map((i) => i.id) });
        }
        if (!alert.messageTs) {
          // Another process may be posting this very alert: only the claimant posts.
          if (await deps.store.alerts.claimPost(alert.id, deps.clock.now())) await post(alert, content);
        } else {
          try {
            await deps.slack.chat.update({ channel: alert.channel, ts: alert.messageTs, text: content.text, blocks: content.blocks });
          } catch (error) {
            deps.logger.warn({ alert: key, error: slackErrorCode(error) }, 'could not update the alert message');
          }
        }
        return deps.store.alerts.open(key);
      });
    },

    /** Edits the open alert (if any) to resolved and posts the outcome in its thread. */
    resolve(key: string, params: { by: string | null; how: string; thread?: MessageContent; fixed?: boolean }): Promise<Alert | undefined> {
      return withLock(key, async () => {
        const alert = await deps.store.alerts.open(key);
        if (!alert) return undefined;
        const now = deps.clock.now();
        await deps.store.alerts.update(alert.id, { resolvedAt: now, resolvedBy: params.by, resolvedHow: params.how });
        if (!alert.messageTs) return alert;
        const integrations = await deps.store.integrations.listByIds(alert.integrationIds);
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
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
