import { retiredAuthType } from '../providers/retired.js';
import type { WebClient } from '@slack/web-api';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { alertKeyOf } from '../domain/integration.js';
import { sinkLabel } from '../domain/delivery.js';
import type { Alert, Integration } from '../domain/types.js';
import type { Logger } from '../logger.js';
import { buildAlertMessage, buildResolvedAlert, type AlertFacts } from '../slack/blocks/alert.js';
import type { MessageContent } from '../slack/blocks/messages.js';
import type { SlackChat } from '../slack/client.js';
import { slackErrorCode } from '../slack/errors.js';
import type { Authoriser } from './authorisation.js';
import { createKeyedLock } from '../keyed-lock.js';

/**
 * The alert lifecycle: at most one open alert per alert key (an integration, or the credential
 * several Azure DevOps integrations share), posted once, edited in place while failing, edited to
 * resolved with a thread reply when fixed. The store's unique index holds across processes;
 * a per-key lock orders concurrent probes within one.
 */

/** What alerts use of Slack: posting and editing, and reading a channel's history to find a post a crash left unrecorded. */
export type AlertSlack = SlackChat & { conversations: Pick<WebClient['conversations'], 'history'> };

/** How many pages of a channel's history (200 messages each) to search for an unrecorded alert post. */
const HISTORY_PAGES = 5;

/** Alert messages carry this metadata, so a post whose result was never recorded can be found again. */
export const ALERT_EVENT_TYPE = 'reauth_alert';

export interface AlertDeps {
  store: Pick<Store, 'alerts' | 'integrations'>;
  slack: AlertSlack;
  authoriser: Pick<Authoriser, 'approvers'>;
  logger: Logger;
  clock: Clock;
  /** Where integrations without a channel alert (DEFAULT_ALERT_CHANNEL). */
  defaultChannel: string | undefined;
}

/** Alerts about a delivery that keeps failing have keys of their own, outside the credential keys. */
export const DELIVERY_ALERT_PREFIX = 'delivery:';
export const deliveryAlertKey = (integrationId: string, sinkKey: string): string =>
  `${DELIVERY_ALERT_PREFIX}${integrationId}:${sinkKey}`;
export const isDeliveryAlert = (alertKey: string): boolean => alertKey.startsWith(DELIVERY_ALERT_PREFIX);
/** An alert as logs name it: a delivery alert's sink by its label (a webhook URL's query may hold a secret). */
export function alertLabel(alertKey: string): string {
  if (!isDeliveryAlert(alertKey)) return alertKey;
  const rest = alertKey.slice(DELIVERY_ALERT_PREFIX.length);
  const colon = rest.indexOf(':');
  return colon < 0 ? alertKey : `${DELIVERY_ALERT_PREFIX}${rest.slice(0, colon)} → ${sinkLabel(rest.slice(colon + 1))}`;
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
    if (alert.postError !== code)
      deps.logger.warn(
        { event: 'alert_post_failed', alert: alertLabel(alert.alertKey), channel: alert.channel, error: code },
        'could not post the alert to its channel; will retry',
      );
    await deps.store.alerts.update(alert.id, { postError: code, postErrorAt: deps.clock.now() });
  }

  /**
   * An earlier attempt claimed this post and never recorded how it went (the process died, perhaps
   * more than once): the message may be in the channel already. Slack has no idempotent post, so look
   * for it by its metadata, in the channel's history since the alert opened.
   */
  async function findUnrecordedPost(alert: Alert): Promise<string | undefined> {
    if (!alert.postErrorAt) return undefined; // never claimed: never posted
    try {
      let cursor: string | undefined;
      for (let page = 0; page < HISTORY_PAGES; page += 1) {
        const history = await deps.slack.conversations.history({
          channel: alert.channel,
          oldest: String(Math.floor(alert.openedAt.getTime() / 1000) - 5),
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        const found = (history.messages ?? []).find(
          (m) =>
            m.metadata?.event_type === ALERT_EVENT_TYPE &&
            (m.metadata.event_payload as Record<string, unknown> | undefined)?.alert_id === String(alert.id),
        );
        if (found?.ts) return found.ts;
        cursor = history.response_metadata?.next_cursor || undefined;
        if (!history.has_more || !cursor) return undefined;
      }
      return undefined;
    } catch (error) {
      deps.logger.warn(
        { alert: alertLabel(alert.alertKey), error: slackErrorCode(error) },
        'could not look in the channel for an earlier post of this alert (it may be posted again, or stay unresolved there)',
      );
      return undefined;
    }
  }

  async function post(alert: Alert, content: MessageContent): Promise<void> {
    const earlier = await findUnrecordedPost(alert);
    if (earlier) {
      await deps.store.alerts.update(alert.id, { messageTs: earlier, postError: null, postErrorAt: null });
      try {
        await deps.slack.chat.update({
          channel: alert.channel,
          ts: earlier,
          text: content.text,
          blocks: content.blocks,
        });
      } catch (error) {
        deps.logger.warn(
          { alert: alertLabel(alert.alertKey), error: slackErrorCode(error) },
          'could not update the alert message',
        );
      }
      return;
    }
    try {
      const result = await deps.slack.chat.postMessage({
        channel: alert.channel,
        text: content.text,
        blocks: content.blocks,
        unfurl_links: false,
        // The id finds the post again; the key stays out (a delivery alert's key names its sink's address).
        metadata: { event_type: ALERT_EVENT_TYPE, event_payload: { alert_id: String(alert.id) } },
      });
      await deps.store.alerts.update(alert.id, {
        messageTs: result.ts ?? null,
        channel: result.channel ?? alert.channel,
        postError: null,
        postErrorAt: null,
      });
    } catch (error) {
      await recordPostFailure(alert, error);
    }
  }

  return {
    /**
     * Opens the alert for this failure, or keeps the open one current. `custom` gives another kind of
     * alert (a delivery that keeps failing) its own key and message, with the same lifecycle.
     */
    raise(
      integrations: readonly Integration[],
      facts: Omit<AlertFacts, 'integrations' | 'approvers'>,
      custom?: { key: string; content: MessageContent },
    ): Promise<Alert | undefined> {
      const first = integrations[0];
      if (!first) return Promise.resolve(undefined);
      const key = custom?.key ?? alertKeyOf(first);
      return withLock(key, async () => {
        const approvers = deps.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]);
        // An auth type its vendor retired (a Connect app) carries the way off whatever reported the failure;
        // a retired credential comes with the probe's facts.
        const retirement = facts.retirement ?? retiredAuthType(first.provider, first.authType);
        const content =
          custom?.content ??
          buildAlertMessage({ ...facts, integrations, approvers, ...(retirement ? { retirement } : {}) });
        let alert = await deps.store.alerts.open(key);
        if (!alert) {
          const channel = channelOf(first);
          if (!channel) {
            deps.logger.warn(
              { event: 'alert_unroutable', integration: first.id },
              'no alert channel: set channel in integrations.yml or DEFAULT_ALERT_CHANNEL',
            );
            return undefined;
          }
          const inserted = await deps.store.alerts.insertOpen({
            alertKey: key,
            integrationIds: integrations.map((i) => i.id),
            channel,
            reason: facts.reason,
            openedAt: facts.since,
          });
          if (inserted)
            deps.logger.warn(
              {
                event: 'alert_raised',
                alert: alertLabel(key),
                integrations: integrations.map((i) => i.id),
                reason: facts.reason,
              },
              'an integration is failing: alert raised',
            );
          alert = inserted ?? (await deps.store.alerts.open(key));
          if (!alert) return undefined;
        } else {
          await deps.store.alerts.update(alert.id, {
            reason: facts.reason,
            integrationIds: integrations.map((i) => i.id),
          });
        }
        if (!alert.messageTs) {
          // Another process may be posting this very alert: only the claimant posts. `alert` still
          // shows the previous claim, which post() uses to look for a post a crash left unrecorded.
          if (await deps.store.alerts.claimPost(alert.id, deps.clock.now())) await post(alert, content);
        } else {
          try {
            await deps.slack.chat.update({
              channel: alert.channel,
              ts: alert.messageTs,
              text: content.text,
              blocks: content.blocks,
            });
          } catch (error) {
            deps.logger.warn(
              { alert: alertLabel(key), error: slackErrorCode(error) },
              'could not update the alert message',
            );
          }
        }
        return deps.store.alerts.open(key);
      });
    },

    /**
     * An open alert with no recorded message whose post was claimed but never recorded: if the post
     * reached the channel, record it (nothing is posted here). True when one was found.
     */
    recoverUnrecordedPost(key: string): Promise<boolean> {
      return withLock(key, async () => {
        const alert = await deps.store.alerts.open(key);
        if (!alert || alert.messageTs) return false;
        const earlier = await findUnrecordedPost(alert);
        if (earlier)
          await deps.store.alerts.update(alert.id, { messageTs: earlier, postError: null, postErrorAt: null });
        return earlier !== undefined;
      });
    },

    /** Edits the open alert (if any) to resolved and posts the outcome in its thread. */
    resolve(
      key: string,
      params: {
        by: string | null;
        how: string;
        thread?: MessageContent;
        fixed?: boolean;
        resolved?: (alert: Alert, at: Date) => MessageContent;
      },
    ): Promise<Alert | undefined> {
      return withLock(key, async () => {
        const alert = await deps.store.alerts.open(key);
        if (!alert) return undefined;
        const now = deps.clock.now();
        deps.logger.info(
          { event: 'alert_resolved', alert: alertLabel(key), by: params.by, how: params.how },
          'alert resolved',
        );
        // A post a crash left unrecorded is in the channel saying "failing": find it, so it is resolved too.
        const messageTs = alert.messageTs ?? (await findUnrecordedPost(alert));
        await deps.store.alerts.update(alert.id, {
          resolvedAt: now,
          resolvedBy: params.by,
          resolvedHow: params.how,
          ...(messageTs && !alert.messageTs ? { messageTs } : {}),
        });
        if (!messageTs) return alert;
        const integrations = await deps.store.integrations.listByIds(alert.integrationIds);
        const resolved =
          params.resolved?.(alert, now) ??
          buildResolvedAlert({
            integrations,
            reason: alert.reason,
            openedAt: alert.openedAt,
            resolvedAt: now,
            by: params.by,
            how: params.how,
            ...(params.fixed === undefined ? {} : { fixed: params.fixed }),
          });
        try {
          await deps.slack.chat.update({
            channel: alert.channel,
            ts: messageTs,
            text: resolved.text,
            blocks: resolved.blocks,
          });
          const thread = params.thread ?? resolved;
          await deps.slack.chat.postMessage({
            channel: alert.channel,
            thread_ts: messageTs,
            text: thread.text,
            blocks: thread.blocks,
          });
        } catch (error) {
          deps.logger.warn(
            { alert: alertLabel(key), error: slackErrorCode(error) },
            'could not mark the alert resolved in Slack',
          );
        }
        return alert;
      });
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
