import { sinkLabel } from '../../domain/delivery.js';
import type { Integration } from '../../domain/types.js';
import type { MessageContent } from './messages.js';
import { context, escapeMrkdwn, section, slackDate, type Block } from './text.js';

/** Where a new credential went: one line per sink, and the alert for a sink that keeps failing. */

export interface SinkLine {
  integrationId: string;
  sinkKey: string;
  state: 'pending' | 'delivered' | 'failing' | 'superseded' | 'cancelled' | 'dead';
  reason: string | null;
  nextAttemptAt: Date | null;
}

const ICON: Record<SinkLine['state'], string> = {
  pending: ':hourglass_flowing_sand: pending',
  delivered: ':white_check_mark: delivered',
  failing: ':warning: failing',
  superseded: ':fast_forward: superseded by a newer version',
  cancelled: ':heavy_minus_sign: not delivered',
  dead: ':no_entry: given up after too many attempts (`npx reauth-bot deliver --retry-dead` sends it again)',
};

function line(item: SinkLine, showIntegration: boolean): string {
  const who = showIntegration ? `\`${item.integrationId}\` ` : '';
  const why =
    item.state === 'failing' || item.state === 'cancelled' || item.state === 'dead'
      ? item.reason
        ? `: ${escapeMrkdwn(item.reason)}`
        : ''
      : '';
  const next = item.state === 'failing' && item.nextAttemptAt ? ` (next try ${slackDate(item.nextAttemptAt)})` : '';
  return `• ${who}${escapeMrkdwn(sinkLabel(item.sinkKey))} — ${ICON[item.state]}${why}${next}`;
}

/** The "Delivery" part of a re-authentication's outcome; empty when the credential has no sinks. */
export function buildDeliveryLines(items: readonly SinkLine[]): Block[] {
  if (items.length === 0) return [];
  const several = new Set(items.map((i) => i.integrationId)).size > 1;
  return [section(`*Delivery*\n${items.map((i) => line(i, several)).join('\n')}`.slice(0, 2900), 'reauth_delivery')];
}

export interface DeliveryAlertFacts {
  integration: Integration;
  sinkKey: string;
  reason: string;
  since: Date;
  nextAttemptAt: Date | null;
  needsAttention: boolean;
}

export function buildDeliveryAlert(facts: DeliveryAlertFacts): MessageContent {
  const where = escapeMrkdwn(sinkLabel(facts.sinkKey));
  const text = `${facts.integration.name}: the credential is valid but was not delivered to ${sinkLabel(facts.sinkKey)}: ${facts.reason}`;
  const blocks: Block[] = [
    section(
      `:warning: *${escapeMrkdwn(facts.integration.name)}* \`${facts.integration.id}\`: the credential is valid but *not delivered* to ${where}.`,
    ),
    section(`*Why:* ${escapeMrkdwn(facts.reason)}`),
    context(
      `Failing since ${slackDate(facts.since)}.`,
      facts.needsAttention
        ? 'Retrying will not fix this by itself: fix the configuration, then run `npx reauth-bot deliver ' +
            facts.integration.id +
            '`.'
        : facts.nextAttemptAt
          ? `Reauth keeps retrying; next try ${slackDate(facts.nextAttemptAt)}. \`npx reauth-bot deliver ${facts.integration.id}\` retries now.`
          : 'Reauth keeps retrying.',
    ),
  ];
  return { text, blocks };
}

export function buildDeliveryResolved(facts: {
  integration: Integration;
  sinkKey: string;
  since: Date;
  at: Date;
  how: string;
}): MessageContent {
  const where = sinkLabel(facts.sinkKey);
  const text = `${facts.integration.name}: delivery to ${where} ${facts.how}.`;
  return {
    text,
    blocks: [
      section(
        `:white_check_mark: *${escapeMrkdwn(facts.integration.name)}* \`${facts.integration.id}\`: delivery to ${escapeMrkdwn(where)} ${escapeMrkdwn(facts.how)} ${slackDate(facts.at)} (failing since ${slackDate(facts.since)}).`,
      ),
    ],
  };
}
