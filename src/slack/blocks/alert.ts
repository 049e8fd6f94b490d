import type { Integration } from '../../domain/types.js';
import { authSpec, providerSpec } from '../../providers/registry.js';
import { RETIREMENTS, type Retirement } from '../../providers/retired.js';
import { ACTION } from '../ids.js';
import { authLabel, providerLabel } from './describe.js';
import type { MessageContent } from './messages.js';
import {
  actions,
  button,
  context,
  escapeMrkdwn,
  fields,
  header,
  mentionAll,
  section,
  slackDate,
  truncate,
  type Block,
} from './text.js';

/** The alert message: one per failing episode, edited in place, edited again when resolved. */

export interface AlertFacts {
  integrations: readonly Integration[];
  reason: string;
  since: Date;
  lastSuccess: Date | null;
  /** Who can act on it (admins and owners). */
  approvers: readonly string[];
  /** How the failure was learned. */
  source: 'probe' | 'webhook';
  checkedAt: Date;
  /** The vendor retired this auth type or credential: the alert names the way off. */
  retirement?: Retirement;
}

function title(integrations: readonly Integration[]): string {
  const first = integrations[0];
  if (!first) return 'An integration';
  if (integrations.length === 1) return first.name;
  if (providerSpec(first.provider).sharesCredentialBy === 'organization')
    return `${providerLabel(first.provider)} ${first.organization ?? ''}`.trim();
  return integrations.map((i) => i.name).join(', ');
}

function served(integrations: readonly Integration[]): Block[] {
  if (integrations.length < 2) return [];
  return [
    context(
      `One credential serves ${integrations.map((i) => `*${escapeMrkdwn(i.name)}* \`${i.id}\``).join(', ')}: re-authenticating any of them fixes all.`,
    ),
  ];
}

/** The way off a credential its vendor retired: what happened, the auth types to move to, what to do, where it is written. */
export function wayOffBlock(retirement: Retirement): Block {
  const { what, replacements, todo, doc } = RETIREMENTS[retirement];
  return section(
    `:construction: *Retired by the vendor.* ${escapeMrkdwn(what)}\n*Way off:* auth ${replacements.map((a) => `\`${a}\``).join(' or ')}. ${escapeMrkdwn(todo)} See \`${doc}\`.`,
  );
}

export function buildAlertMessage(facts: AlertFacts): MessageContent {
  const first = facts.integrations[0];
  if (!first) throw new Error('an alert needs an integration');
  const hint = authSpec(first.provider, first.authType)?.failureHint;
  const what =
    facts.source === 'webhook'
      ? 'An external health check reported it failing.'
      : "Reauth's check of the stored credential failed.";
  const blocks: Block[] = [
    header(`:rotating_light: ${title(facts.integrations)} is failing`),
    section(`*What failed:* ${what}\n*Why:* ${escapeMrkdwn(facts.reason)}`),
    fields([
      ['Failing since', slackDate(facts.since)],
      ['Last success', facts.lastSuccess ? slackDate(facts.lastSuccess) : 'never recorded'],
      ['Integration', `\`${first.id}\` · ${providerLabel(first.provider)}`],
      ['Auth type', escapeMrkdwn(authLabel(first.provider, first.authType))],
    ]),
    ...served(facts.integrations),
    ...(facts.retirement ? [wayOffBlock(facts.retirement)] : hint ? [context(`:bulb: ${escapeMrkdwn(hint)}`)] : []),
    actions(
      `alert_actions_${first.id}`,
      button('Re-authenticate', ACTION.reauthenticate, { value: first.id, style: 'primary' }),
      button('Check now', ACTION.checkNow, { value: first.id }),
      button('Snooze 24 h', ACTION.snooze, { value: first.id }),
    ),
    context(
      `${facts.approvers.length ? `Can fix: ${mentionAll(facts.approvers)} · ` : ''}Last checked ${slackDate(facts.checkedAt)}`,
    ),
  ];
  // chat.update refuses top-level text over 4,000 characters (https://docs.slack.dev/reference/methods/chat.update).
  return { text: truncate(`${title(facts.integrations)} is failing: ${escapeMrkdwn(facts.reason)}`, 3000), blocks };
}

export function buildResolvedAlert(params: {
  integrations: readonly Integration[];
  reason: string | null;
  openedAt: Date;
  resolvedAt: Date;
  by: string | null;
  how: string;
  fixed?: boolean;
}): MessageContent {
  const who = params.by ? ` by <@${params.by}>` : '';
  const fixed = params.fixed ?? true;
  const headline = fixed
    ? `${title(params.integrations)} is healthy again`
    : `${title(params.integrations)}: alert closed`;
  const blocks: Block[] = [
    header(`${fixed ? ':white_check_mark:' : ':heavy_minus_sign:'} ${headline}`),
    section(`*Resolved* ${slackDate(params.resolvedAt)}${who}: ${escapeMrkdwn(params.how)}.`),
    ...served(params.integrations),
    context(
      `Was failing since ${slackDate(params.openedAt)}${params.reason ? `: ${escapeMrkdwn(params.reason)}` : ''}`,
    ),
  ];
  return { text: `${headline} (${params.how}).`, blocks };
}

export function buildReminder(params: {
  integrations: readonly Integration[];
  approvers: readonly string[];
  since: Date;
  reason: string;
}): MessageContent {
  const mention = params.approvers.length ? `${mentionAll(params.approvers)}: ` : '';
  const text = `${mention}${title(params.integrations)} is still failing (since ${slackDate(params.since)}): ${escapeMrkdwn(params.reason)} Press *Re-authenticate* above to fix it, or *Snooze 24 h* to quiet these reminders.`;
  return { text: text.replace(/\*/g, ''), blocks: [section(`:alarm_clock: ${text}`)] };
}

export function buildExpiryWarning(params: {
  integrations: readonly Integration[];
  expiresAt: Date;
  days: number;
  fingerprints: readonly string[];
  approvers: readonly string[] /** Set for an integration that rotates: why its automatic rotation failed. */;
  rotationFailure?: string;
}): MessageContent {
  const first = params.integrations[0];
  if (!first) throw new Error('a warning needs an integration');
  const when = params.days <= 1 ? 'within a day' : `in ${params.days} days`;
  const text = `The credential of ${title(params.integrations)} (${params.fingerprints.map((f) => `\`${f}\``).join(', ')}) expires ${when}, ${slackDate(params.expiresAt)}.`;
  const rotation =
    params.rotationFailure === undefined
      ? ''
      : ` Automatic rotation failed: ${escapeMrkdwn(params.rotationFailure)} Fix that and press *Rotate now*, or re-authenticate.`;
  const buttons = [
    button('Re-authenticate', ACTION.reauthenticate, { value: first.id, style: 'primary' }),
    ...(params.rotationFailure === undefined ? [] : [button('Rotate now', ACTION.rotateNow, { value: first.id })]),
  ];
  return {
    text: `${title(params.integrations)}: credential expires ${when}${params.rotationFailure === undefined ? '' : '; automatic rotation failed'}.`,
    blocks: [
      section(
        `:hourglass: ${text}${rotation || ' Re-authenticate before then to avoid an outage.'}${params.approvers.length ? `\n${mentionAll(params.approvers)}` : ''}`,
      ),
      actions(`expiry_actions_${first.id}_${params.days}`, ...buttons),
    ],
  };
}
