import type { SectionBlock } from '@slack/types';
import type { HealthState, Integration } from '../../domain/types.js';
import { describeIdentity, type ValidOutcome } from '../../providers/outcome.js';
import { ACTION, COMMAND } from '../ids.js';
import { authLabel, healthLabel, providerLabel } from './describe.js';
import { actions, button, context, escapeMrkdwn, header, section, slackDate, truncate, type Block } from './text.js';

/** Messages: the /reauth overview, status, help, unknown ids, and the re-auth confirmation. */

export interface MessageContent {
  text: string;
  blocks: Block[];
}

export const OVERVIEW_PAGE_SIZE = 20;

function integrationLine(integration: Integration, health: HealthState | undefined): string {
  const since = health?.since && health.status === 'failing' ? ` since ${slackDate(health.since)}` : '';
  const why = health?.status === 'failing' && health.reason ? `\n> ${escapeMrkdwn(health.reason)}` : '';
  return `*${escapeMrkdwn(integration.name)}* \`${integration.id}\`\n${healthLabel(health?.status)}${since} · ${providerLabel(integration.provider)} · ${escapeMrkdwn(authLabel(integration.provider, integration.authType))}${why}`;
}

/** `/reauth`: the integrations the caller may manage, each with health and a Re-authenticate button. */
export function buildOverview(
  integrations: readonly Integration[],
  health: ReadonlyMap<string, HealthState>,
  page = 0,
): MessageContent {
  if (integrations.length === 0) {
    return {
      text: 'You do not manage any integration.',
      blocks: [
        section(
          `You are not an owner of any integration, nor a Reauth admin. Owners are listed in \`integrations.yml\`; type \`${COMMAND} status\` to see every integration's health.`,
        ),
      ],
    };
  }
  const pages = Math.ceil(integrations.length / OVERVIEW_PAGE_SIZE);
  const current = Math.min(Math.max(page, 0), pages - 1);
  const shown = integrations.slice(current * OVERVIEW_PAGE_SIZE, (current + 1) * OVERVIEW_PAGE_SIZE);
  const failing = integrations.filter((i) => health.get(i.id)?.status === 'failing').length;
  const blocks: Block[] = [
    section(`*Integrations you can re-authenticate* (${integrations.length}${failing ? `, ${failing} failing` : ''})`),
    ...shown.map(
      (integration): SectionBlock => ({
        type: 'section',
        block_id: `overview_${integration.id}`,
        text: { type: 'mrkdwn', text: integrationLine(integration, health.get(integration.id)) },
        accessory: button('Re-authenticate', ACTION.reauthenticate, {
          value: integration.id,
          ...(health.get(integration.id)?.status === 'failing' ? { style: 'primary' as const } : {}),
        }),
      }),
    ),
  ];
  if (pages > 1) {
    const buttons = [];
    if (current > 0) buttons.push(button('Previous', `${ACTION.overviewPage}_prev`, { value: String(current - 1) }));
    if (current < pages - 1)
      buttons.push(button('Next', `${ACTION.overviewPage}_next`, { value: String(current + 1) }));
    blocks.push(context(`Page ${current + 1} of ${pages}`), actions('overview_pages', ...buttons));
  }
  return {
    text: `You can re-authenticate ${integrations.length} integration(s)${failing ? `; ${failing} failing` : ''}.`,
    blocks,
  };
}

/** Slack rejects messages whose blocks hold more than about 12k characters in all (https://docs.slack.dev/reference/block-kit/blocks). */
const STATUS_TEXT_BUDGET = 10_000;

/** `/reauth status`: every integration's health, failing first; a long list ends with a count of the rest. */
export function buildStatus(
  integrations: readonly Integration[],
  health: ReadonlyMap<string, HealthState>,
  /** When each credential (by key) ends, where known. */
  expiries: ReadonlyMap<string, Date> = new Map(),
): MessageContent {
  const order: Record<string, number> = { failing: 0, unknown: 1, healthy: 2 };
  const statusOf = (i: Integration) => health.get(i.id)?.status ?? 'unknown';
  const sorted = [...integrations].sort(
    (a, b) => (order[statusOf(a)] ?? 1) - (order[statusOf(b)] ?? 1) || a.id.localeCompare(b.id),
  );
  const counts = ['failing', 'unknown', 'healthy']
    .map((s) => `${sorted.filter((i) => statusOf(i) === s).length} ${s}`)
    .join(', ');
  const chunks: string[] = [];
  let used = 0;
  let shown = 0;
  for (const i of sorted) {
    const ends = expiries.get(i.credentialKey);
    const line = `${healthLabel(statusOf(i)).split(' ')[0]} *${escapeMrkdwn(i.name)}* \`${i.id}\`${ends ? ` · expires ${slackDate(ends)}` : ''}${statusOf(i) === 'failing' ? ` — ${escapeMrkdwn(truncate(health.get(i.id)?.reason ?? '', 300))}` : ''}`;
    if (used + line.length > STATUS_TEXT_BUDGET) break;
    used += line.length + 1;
    shown += 1;
    const last = chunks[chunks.length - 1];
    if (last !== undefined && last.length + line.length < 2900) chunks[chunks.length - 1] = `${last}\n${line}`;
    else chunks.push(line);
  }
  const rest = sorted.length - shown;
  return {
    text: `Integration health: ${counts}.`,
    blocks: [
      section(`*Integration health:* ${counts}`),
      ...chunks.map((c) => section(c)),
      ...(rest > 0
        ? [
            context(
              `…and ${rest} more, not listed here to keep this message within Slack's limits. \`npx reauth-bot list\` shows all of them.`,
            ),
          ]
        : []),
    ],
  };
}

export function buildHelp(): MessageContent {
  return {
    text: 'How to use /reauth',
    blocks: [
      section(
        [
          "*Reauth* keeps the team's developer-tool integrations signed in.",
          `• \`${COMMAND}\` — the integrations you can re-authenticate, with their health`,
          `• \`${COMMAND} <id>\` — re-authenticate one integration (a form for tokens, a sign-in link for OAuth)`,
          `• \`${COMMAND} status\` — the health of every integration`,
          `• \`${COMMAND} help\` — this message`,
        ].join('\n'),
      ),
      context(
        'New credentials are checked against the provider and saved only if they work. The auth type never changes here: that is set in integrations.yml.',
      ),
    ],
  };
}

export function buildUnknownIntegration(typedText: string, suggestions: readonly string[]): MessageContent {
  // What was typed may be anything up to Slack's 4,000 characters: show enough to recognise it.
  const typed = truncate(typedText, 80);
  const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => `\`${s}\``).join(' or ')}?` : '';
  return {
    text: `No integration called ${typed}.`,
    blocks: [
      section(
        `There is no integration called \`${escapeMrkdwn(typed)}\`.${hint} Type \`${COMMAND}\` to list the ones you can manage.`,
      ),
    ],
  };
}

/** The short confirmation in the integration's channel: who, which integration(s), which credential. */
export function buildReauthConfirmation(params: {
  actor: string;
  integrations: readonly Integration[];
  fingerprints: readonly string[];
  outcome: ValidOutcome;
  how: 'modal' | 'web' | 'oauth';
}): MessageContent {
  const names = params.integrations.map((i) => `*${escapeMrkdwn(i.name)}*`).join(', ');
  const credential = params.fingerprints.map((f) => `\`${f}\``).join(', ');
  const text = `<@${params.actor}> re-authenticated ${names} ${params.how === 'oauth' ? 'by signing in' : 'with a new credential'} (${credential}), signed in as ${escapeMrkdwn(describeIdentity(params.outcome.identity))}.`;
  return { text: text.replace(/\*/g, ''), blocks: [section(`:white_check_mark: ${text}`)] };
}

export function buildHeaderMessage(title: string, text: string): MessageContent {
  return { text: `${title}: ${text}`, blocks: [header(title), section(text)] };
}

/** Posted once when integrations.yml lets consumers read an integration's credential they could not read before. */
/** What a reload changed for one integration: consumers that may now read it, and those that no longer may. */
export interface GrantChange {
  integration: Pick<Integration, 'id' | 'name'>;
  granted: string[];
  revoked: string[];
}

export function buildConsumerGrantNotice(changes: readonly GrantChange[]): MessageContent {
  const code = (names: readonly string[]) => names.map((c) => `\`${escapeMrkdwn(c)}\``).join(', ');
  const lines = changes.flatMap(({ integration, granted, revoked }) => {
    const which = `*${escapeMrkdwn(integration.name)}* (\`${escapeMrkdwn(integration.id)}\`)`;
    return [
      ...(granted.length ? [`• ${code(granted)} may now read ${which}`] : []),
      ...(revoked.length ? [`• ${code(revoked)} may no longer read ${which}`] : []),
    ];
  });
  const plain = changes.flatMap(({ integration, granted, revoked }) => [
    ...(granted.length ? [`${granted.join(', ')} may now read ${integration.name} (${integration.id})`] : []),
    ...(revoked.length ? [`${revoked.join(', ')} may no longer read ${integration.name} (${integration.id})`] : []),
  ]);
  const granted = changes.some((c) => c.granted.length > 0);
  const advice = granted
    ? '\nIf nobody expected a new reader, remove it from `consumers:` in integrations.yml and re-authenticate the integration.'
    : '';
  return {
    text: `${plain.join('; ')}.`,
    blocks: [
      section(
        `:key: \`consumers:\` in integrations.yml changed who may read credentials through the pull API:\n${lines.join('\n')}${advice}`,
      ),
    ],
  };
}

/** Posted once per automatic rotation in the integration's channel; its delivery lines are added and kept current. */
export function buildRotationNotice(params: {
  integrations: readonly Pick<Integration, 'id' | 'name'>[];
  fingerprint: string;
  expiresAt: Date | null;
  previousNote: string;
}): MessageContent {
  const names = params.integrations.map((i) => `*${escapeMrkdwn(i.name)}*`).join(', ');
  const expiry = params.expiresAt ? `, valid until ${params.expiresAt.toISOString().slice(0, 10)}` : '';
  const text = `${names} rotated automatically: a new credential \`${params.fingerprint}\`${expiry}, delivered like a re-authentication. ${escapeMrkdwn(params.previousNote)} Nobody needs to do anything.`;
  return { text: text.replace(/\*/g, ''), blocks: [section(`:arrows_counterclockwise: ${text}`)] };
}
