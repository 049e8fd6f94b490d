import * as z from 'zod';
import { SLACK_CHANNEL_ID as CHANNEL, SLACK_USER_OR_GROUP_ID as OWNER } from '../domain/addresses.js';
import { providerSpec } from '../providers/registry.js';
import { AZURE_DEVOPS_SERVICES, PROVIDER_KEYS, type ProviderField, type ProviderKey } from '../providers/types.js';

/**
 * The shape of integrations.yml, in one place: the field rules the parser checks (with the words it
 * reports) and the JSON Schema editors use (`schema/integrations.schema.json`, generated from these by
 * `npm run schema`). What a schema cannot say — a URL's security, a Vault path's segments, duplicate ids,
 * which provider lets a credential rotate — stays in the parser, next to these.
 */

const ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const ORGANIZATION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** https://, or http:// to a loopback host only: the JSON Schema's hint; the parser checks it exactly. */
const SECURE_URL = /^(?:https:\/\/|http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?(?:\/|$))/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/i;
export const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const INTEGRATION_PATTERN = /^[a-z0-9*?[\]{},-]{1,64}$/;
/** No provider lets a token live longer than a year (GitLab: 365 days). */
export const MAX_ROTATION_DAYS = 365;

const quoted = (input: unknown) => `"${String(input)}"`;

/** One field of an entry: its rule and the sentence that says what is wrong with a value. */
export const entryField = {
  id: z
    .string()
    .regex(ID, {
      error: (issue) =>
        `${quoted(issue.input)} must be 1–64 characters of a-z, 0-9 and "-", starting and ending with a letter or digit.`,
    })
    .describe('Unique id: lowercase letters, digits and "-", at most 64 characters. Used in /reauth <id>.'),
  channel: z
    .string()
    .regex(CHANNEL, {
      error: (issue) =>
        `${quoted(issue.input)} is not a channel id (C…/G…); use the id from the channel's details, not its name.`,
    })
    .describe("Slack channel id (C…/G…) for this integration's alerts; else DEFAULT_ALERT_CHANNEL."),
  owner: z.string().regex(OWNER, {
    error: (issue) => `${quoted(issue.input)} is not a Slack user id (U…/W…) or user-group id (S…).`,
  }),
  organization: z
    .string()
    .regex(ORGANIZATION, { error: (issue) => `${quoted(issue.input)} is not an organization name.` })
    .describe('Azure DevOps organization: the {organization} of https://dev.azure.com/{organization}.'),
  service: z
    .enum(AZURE_DEVOPS_SERVICES, {
      error: (issue) => `${quoted(issue.input)} must be one of ${AZURE_DEVOPS_SERVICES.join(', ')}.`,
    })
    .describe('Azure DevOps service the integration reads.'),
  repository: z
    .string()
    .regex(REPOSITORY, { error: (issue) => `${quoted(issue.input)} must look like owner/name.` })
    .describe('GitHub Actions: owner/name of the repository whose workflow runs the pool must list.'),
  account_id: z.string().min(1).describe('Harness account id.'),
  url: z
    .string()
    .regex(SECURE_URL)
    .describe('Base URL of the provider: https:// (http:// only to localhost, 127.0.0.1 or ::1).'),
} as const;

const owners = z
  .array(entryField.owner)
  .describe('Slack user ids (U…/W…) or user-group ids (S…) who may re-authenticate it.');

const sink = z.union([
  z
    .strictObject({
      webhook: z.string().regex(SECURE_URL).describe('https:// URL to post credential.updated events to.'),
      secret_env: z.string().regex(ENV_NAME).describe('Environment variable holding the whsec_… signing secret.'),
      include_credential: z.boolean().optional().describe('Send the credential itself in the event (off by default).'),
    })
    .describe('A Standard Webhooks endpoint.'),
  z.strictObject({ vault: z.string().min(1).describe('HashiCorp Vault KV v2 path: {mount}/data/{path}.') }),
  z.strictObject({ file: z.string().min(1).describe('Path of a file to write (relative to this file).') }),
]);

const days = z.int().min(1).max(MAX_ROTATION_DAYS);
const rotate = z
  .union([
    z.boolean(),
    z.strictObject({
      before_days: days.optional().describe('Rotate this many days before expiry (default 7).'),
      every_days: days.optional().describe('Also rotate at least this often.'),
      lifetime_days: days.optional().describe('Lifetime asked for the new token (default 90).'),
    }),
  ])
  .describe('Renew the credential through the provider before it expires (GitLab pat, SonarQube api_key).');

const common = {
  id: entryField.id,
  name: z.string().min(1).optional().describe('Shown in Slack (default: the id).'),
  channel: entryField.channel.optional(),
  owners: owners.optional(),
  deliver: z.array(sink).optional().describe('Where each new credential is delivered.'),
  rotate: rotate.optional(),
};

/** One entry per provider: its auth types and the fields it requires or accepts, from the provider table. */
function entryOf(provider: ProviderKey) {
  const spec = providerSpec(provider);
  const extra: Partial<Record<ProviderField, z.ZodType>> = {};
  for (const field of [...spec.requiredFields, ...spec.optionalFields]) {
    const rule = entryField[field];
    extra[field] = spec.requiredFields.includes(field) ? rule : rule.optional();
  }
  return z
    .strictObject({
      ...common,
      provider: z.literal(provider),
      auth: z.enum(Object.keys(spec.auths) as [string, ...string[]]),
      ...extra,
    })
    .describe(spec.label);
}

const consumer = z.strictObject({
  name: z.string().regex(CONSUMER_NAME).describe('Who reads: shown in the audit log and in Slack.'),
  token_sha256: z.string().regex(SHA256_HEX).describe('SHA-256 of its bearer token (npx reauth-bot consumer-token).'),
  integrations: z.array(z.string().regex(INTEGRATION_PATTERN)).min(1).describe('Ids or glob patterns it may read.'),
  requests_per_minute: z.int().min(1).optional().describe('Its rate limit, across replicas.'),
});

export const catalogueSchema = z
  .strictObject({
    integrations: z.array(z.discriminatedUnion('provider', PROVIDER_KEYS.map(entryOf) as never)).optional(),
    consumers: z.array(consumer).optional(),
  })
  .describe("Reauth's integration catalogue (docs/catalogue.md).");

/** The JSON Schema editors read (VS Code and JetBrains, through a yaml-language-server comment). */
export function catalogueJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(catalogueSchema, { target: 'draft-07', io: 'input' }),
    title: 'integrations.yml',
  };
}

/** The sentence a field's rule gives for `value`, or undefined when it passes. */
export function fieldProblem(rule: z.ZodType, value: unknown): string | undefined {
  const result = rule.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
}
