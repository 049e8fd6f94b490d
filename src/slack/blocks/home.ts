import type { HomeView } from '@slack/types';
import type { Credential, HealthState, Integration } from '../../domain/types.js';
import type { RotationStanding } from '../../domain/rotation.js';
import { retirementOf } from '../../providers/retired.js';
import { ACTION } from '../ids.js';
import { wayOffBlock } from './alert.js';
import { authLabel, healthLabel, providerLabel } from './describe.js';
import { button, context, divider, escapeMrkdwn, header, section, slackDate, type Block } from './text.js';

const MAX_LISTED = 45;

/** The App Home tab: the integrations this person may manage, with health, expiry and a button each. */
/** "Rotates automatically around <date>", or why the last rotation failed. */
function rotationLine(standing: RotationStanding | undefined): string {
  if (!standing) return '';
  if (standing.failure !== undefined)
    return `\n:warning: Automatic rotation failed: ${escapeMrkdwn(standing.failure)}${standing.nextAttemptAt ? ` (next try ${slackDate(standing.nextAttemptAt)})` : ''}`;
  return standing.dueAt
    ? `\n:arrows_counterclockwise: Rotates automatically around ${slackDate(standing.dueAt)}`
    : '\n:arrows_counterclockwise: Rotates automatically before it expires';
}

export function buildHomeView(params: {
  integrations: readonly Integration[];
  health: ReadonlyMap<string, HealthState>;
  credentials: ReadonlyMap<string, Credential | undefined>;
  rotation?: ReadonlyMap<string, RotationStanding>;
}): HomeView {
  const blocks: Block[] = [
    header('Reauth'),
    section('Integrations you can re-authenticate. Type `/reauth help` anywhere for commands.'),
    divider(),
  ];
  if (params.integrations.length === 0) {
    blocks.push(
      section('You are not an owner of any integration, nor a Reauth admin. Owners are listed in `integrations.yml`.'),
    );
  }
  for (const integration of params.integrations.slice(0, MAX_LISTED)) {
    const health = params.health.get(integration.id);
    const credential = params.credentials.get(integration.id);
    const expiry = credential?.expiresAt ? ` · expires ${slackDate(credential.expiresAt)}` : '';
    const why = health?.status === 'failing' && health.reason ? `\n> ${escapeMrkdwn(health.reason)}` : '';
    const retirement = retirementOf(integration, credential);
    blocks.push({
      type: 'section',
      block_id: `home_${integration.id}`,
      text: {
        type: 'mrkdwn',
        text: `*${escapeMrkdwn(integration.name)}* \`${integration.id}\`\n${healthLabel(health?.status)} · ${providerLabel(integration.provider)} · ${escapeMrkdwn(authLabel(integration.provider, integration.authType))}${expiry}${rotationLine(params.rotation?.get(integration.id))}${why}`,
      },
      accessory: button('Re-authenticate', ACTION.reauthenticate, {
        value: integration.id,
        ...(health?.status === 'failing' ? { style: 'primary' as const } : {}),
      }),
    });
    if (retirement) blocks.push(wayOffBlock(retirement));
  }
  if (params.integrations.length > MAX_LISTED)
    blocks.push(
      context(`…and ${params.integrations.length - MAX_LISTED} more: type \`/reauth\` to page through all of them.`),
    );
  return { type: 'home' as const, blocks };
}
