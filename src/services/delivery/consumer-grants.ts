import picomatch from 'picomatch';
import type { ConsumerGrant, Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { ConsumerSpec } from '../../domain/delivery.js';
import { isAppIntegration } from '../../domain/integration.js';
import type { Logger } from '../../logger.js';
import { buildConsumerGrantNotice, type GrantChange } from '../../slack/blocks/messages.js';
import type { SlackChat } from '../../slack/client.js';
import { slackErrorCode } from '../../slack/errors.js';
import type { ChannelOf } from '../alerts.js';

export interface ConsumerGrantsDeps {
  store: Pick<Store, 'integrations' | 'consumerGrants'>;
  slack: SlackChat;
  channelOf: ChannelOf;
  clock: Clock;
  logger: Logger;
}

/**
 * Whoever edits integrations.yml can let a consumer read any credential. So every grant the file
 * makes — a new consumer, a widened pattern, a new token, a new integration a glob now matches — is
 * recorded in the audit log and announced in the channel of each integration it opens, one message per
 * channel per reload listing what changed ("insights-ingest may now read Jira (Acme)"); a grant taken
 * away is audited and listed too. The grants present when the first sync recorded them are the
 * baseline: audited (outcome `baseline`), not announced.
 */
export function createConsumerGrants(deps: ConsumerGrantsDeps) {
  return async function applyGrants(
    consumers: readonly ConsumerSpec[],
  ): Promise<{ granted: ConsumerGrant[]; revoked: ConsumerGrant[] }> {
    const readable = (await deps.store.integrations.listActive()).filter((i) => !isAppIntegration(i));
    const wanted = consumers.flatMap((consumer) => {
      const matches = picomatch(consumer.integrations);
      return readable
        .filter((i) => matches(i.id))
        .map((i) => ({ consumer: consumer.name, integrationId: i.id, tokenSha256: consumer.tokenSha256 }));
    });
    const detail = (g: ConsumerGrant) => ({ consumer: g.consumer, token_sha256_prefix: g.tokenSha256.slice(0, 12) });
    const changes = await deps.store.consumerGrants.apply(
      wanted,
      {
        granted: (g, baseline) => ({
          actor: 'catalogue',
          integrationId: g.integrationId,
          action: 'consumer.granted',
          outcome: baseline ? 'baseline' : 'granted',
          detail: detail(g),
        }),
        revoked: (g) => ({
          actor: 'catalogue',
          integrationId: g.integrationId,
          action: 'consumer.revoked',
          outcome: 'revoked',
          detail: detail(g),
        }),
      },
      deps.clock.now(),
    );
    if (changes.baseline) {
      // The grants present at the first sync are the starting point: recorded and audited, not announced
      // (a first start would otherwise open every channel with one notice per integration).
      if (changes.granted.length > 0)
        deps.logger.info(
          { event: 'consumer_grants_baseline', grants: changes.granted.length },
          'the consumer grants of integrations.yml were recorded as the starting point (audited, not announced)',
        );
      return changes;
    }
    for (const g of changes.granted)
      deps.logger.warn(
        { event: 'consumer_granted', consumer: g.consumer, integration: g.integrationId },
        'integrations.yml lets a consumer read a credential it could not read before',
      );
    for (const g of changes.revoked)
      deps.logger.info(
        { event: 'consumer_revoked', consumer: g.consumer, integration: g.integrationId },
        'a consumer may no longer read a credential',
      );
    // One message per channel per reload, listing what changed for each of its integrations.
    const byId = new Map(readable.map((i) => [i.id, i]));
    const byChannel = new Map<string, Map<string, GrantChange>>();
    const note = (g: ConsumerGrant, side: 'granted' | 'revoked') => {
      const integration = byId.get(g.integrationId);
      const channel = integration && deps.channelOf(integration);
      if (!integration || !channel) return;
      const lines = byChannel.get(channel) ?? new Map<string, GrantChange>();
      const line = lines.get(integration.id) ?? { integration, granted: [], revoked: [] };
      line[side].push(g.consumer);
      lines.set(integration.id, line);
      byChannel.set(channel, lines);
    };
    for (const g of changes.granted) note(g, 'granted');
    for (const g of changes.revoked) note(g, 'revoked');
    for (const [channel, lines] of byChannel) {
      const notice = buildConsumerGrantNotice([...lines.values()]);
      try {
        await deps.slack.chat.postMessage({ channel, text: notice.text, blocks: notice.blocks });
      } catch (error) {
        deps.logger.warn(
          { event: 'consumer_grant_post_failed', channel, error: slackErrorCode(error) },
          'could not announce a consumer grant change in Slack (it is in the audit log)',
        );
      }
    }
    return changes;
  };
}

export type ConsumerGrants = ReturnType<typeof createConsumerGrants>;
