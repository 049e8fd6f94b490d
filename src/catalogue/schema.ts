import * as z from 'zod';
import { SLACK_CHANNEL_ID as CHANNEL, SLACK_USER_OR_GROUP_ID as OWNER } from '../domain/addresses.js';
import { providerSpec } from '../providers/registry.js';
import {
  AZURE_DEVOPS_SERVICES,
  PROVIDER_KEYS,
  type MachineField,
  type ProviderField,
  type ProviderKey,
} from '../providers/types.js';

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
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
/** A GitHub App's numeric id, or its client id (`Iv1.…`, `Iv23…`). */
const APP_ID = /^(?:[1-9]\d{0,18}|Iv[A-Za-z0-9._-]{1,64})$/;
const NUMERIC_ID = /^[1-9]\d{0,18}$/;
const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,61}$/;
/** An Entra tenant: its id (a GUID) or a verified domain (contoso.onmicrosoft.com). */
const TENANT =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63})$/i;
/** An Atlassian site's cloud id: a UUID in practice; any id that is one safe path segment is let through. */
const CLOUD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const INTEGRATION_PATTERN = /^[a-z0-9*?[\]{},-]{1,64}$/;
/** No provider lets a token live longer than a year (GitLab: 365 days). */
const MAX_ROTATION_DAYS = 365;

const quoted = (input: unknown) => `"${String(input)}"`;
const APP_ID_RULE = (issue: { input: unknown }) =>
  `${quoted(issue.input)} is not a GitHub App id: the App's numeric id, or its client id (Iv…).`;
const INSTALLATION_ID_RULE = (issue: { input: unknown }) =>
  `${quoted(issue.input)} is not an installation id: the number at the end of the installation's settings URL (…/installations/12345678).`;
const SECRET_ENV_REQUIRED = 'required: the name of the environment variable holding the whsec_… signing secret.';

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
  app_id: z
    .union([z.int().positive({ error: APP_ID_RULE }), z.string().regex(APP_ID, { error: APP_ID_RULE })])
    .describe("GitHub app_installation: the App's id (About → App ID) or its client id (Iv…)."),
  installation_id: z
    .union([
      z.int().positive({ error: INSTALLATION_ID_RULE }),
      z.string().regex(NUMERIC_ID, { error: INSTALLATION_ID_RULE }),
    ])
    .describe("GitHub app_installation: the App's installation on the account (a number)."),
  tenant_id: z
    .string()
    .regex(TENANT, {
      error: (issue) =>
        `${quoted(issue.input)} is not a Microsoft Entra tenant: its Directory (tenant) ID, a GUID, or a domain of it.`,
    })
    .describe('Azure DevOps service_principal: the Directory (tenant) ID of the app registration.'),
  workspace: z
    .string()
    .regex(WORKSPACE, {
      error: (issue) =>
        `${quoted(issue.input)} is not a Bitbucket workspace: its slug, as in https://bitbucket.org/{workspace}/ (letters, digits, "-", "_").`,
    })
    .describe('Bitbucket client_credentials and access_token: the workspace (its slug).'),
  authority: z
    .string()
    .regex(SECURE_URL)
    .describe('Azure DevOps service_principal: the Entra authority (default https://login.microsoftonline.com).'),
  cloud_id: z
    .string()
    .regex(CLOUD_ID, {
      error: (issue) =>
        `${quoted(issue.input)} is not an Atlassian cloud id: letters, digits and "-" (a UUID, as https://{site}.atlassian.net/_edge/tenant_info shows it), or leave cloud_id out: Reauth finds it.`,
    })
    .describe("Jira service_account: the site's cloud id (optional: else Reauth finds it from the site's url)."),
  auth_url: z
    .string()
    .regex(SECURE_URL)
    .describe("Jira service_account: Atlassian's token endpoint's base (default https://auth.atlassian.com)."),
  api_url: z
    .string()
    .regex(SECURE_URL)
    .describe("Jira service_account: Atlassian's API gateway (default https://api.atlassian.com)."),
} as const;

const owners = z
  .array(entryField.owner)
  .describe('Slack user ids (U…/W…) or user-group ids (S…) who may re-authenticate it.');

/** The options of a sink, with the sentences the parser reports. */
export const sinkField = {
  secret_env: z
    .string({ error: SECRET_ENV_REQUIRED })
    .regex(ENV_NAME, { error: SECRET_ENV_REQUIRED })
    .describe('Environment variable holding the whsec_… signing secret.'),
  include_credential: z
    .boolean({ error: 'must be true or false.' })
    .describe('Send the credential itself in the event (off by default).'),
} as const;

const sink = z.union([
  z
    .strictObject({
      webhook: z.string().regex(SECURE_URL).describe('https:// URL to post credential.updated events to.'),
      secret_env: sinkField.secret_env,
      include_credential: sinkField.include_credential.optional(),
    })
    .describe('A Standard Webhooks endpoint.'),
  z.strictObject({ vault: z.string().min(1).describe('HashiCorp Vault KV v2 path: {mount}/data/{path}.') }),
  z.strictObject({ file: z.string().min(1).describe('Path of a file to write (relative to this file).') }),
]);

const DAYS = `must be a whole number of days from 1 to ${MAX_ROTATION_DAYS}.`;
/** A number of days in `rotate:`. */
export const rotationDays = z.int({ error: DAYS }).min(1, { error: DAYS }).max(MAX_ROTATION_DAYS, { error: DAYS });
const days = rotationDays;
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
  const extra: Partial<Record<ProviderField | MachineField, z.ZodType>> = {};
  for (const field of [...spec.requiredFields, ...spec.optionalFields]) {
    const rule = entryField[field];
    extra[field] = spec.requiredFields.includes(field) ? rule : rule.optional();
  }
  // A machine identity's fields are required with its auth type only: optional in the provider's schema.
  for (const auth of Object.values(spec.auths))
    for (const field of [...(auth.machine?.requiredFields ?? []), ...(auth.machine?.optionalFields ?? [])])
      extra[field] = entryField[field].optional();
  return z
    .strictObject({
      ...common,
      provider: z.literal(provider),
      auth: z.enum(Object.keys(spec.auths) as [string, ...string[]]),
      ...extra,
    })
    .describe(spec.label);
}

const CONSUMER_NAME_RULE = 'required: 1–64 letters, digits, ".", "_" or "-".';
const TOKEN_HASH_RULE =
  "required: the 64 hex characters of the token's SHA-256; npx reauth-bot consumer-token makes a token and prints both.";
const PATTERNS_RULE = 'required: a list of integration ids or globs ("ado-*").';
const PER_MINUTE_RULE = 'must be a whole number of at least 1.';

/** The fields of a consumer, with the sentences the parser reports. */
export const consumerField = {
  name: z
    .string({ error: CONSUMER_NAME_RULE })
    .regex(CONSUMER_NAME, { error: CONSUMER_NAME_RULE })
    .describe('Who reads: shown in the audit log and in Slack.'),
  token_sha256: z
    .string({ error: TOKEN_HASH_RULE })
    .regex(SHA256_HEX, { error: TOKEN_HASH_RULE })
    .describe('SHA-256 of its bearer token (npx reauth-bot consumer-token).'),
  integrations: z
    .array(z.string({ error: PATTERNS_RULE }).regex(INTEGRATION_PATTERN, { error: PATTERNS_RULE }), {
      error: PATTERNS_RULE,
    })
    .min(1, { error: PATTERNS_RULE })
    .describe('Ids or glob patterns it may read.'),
  requests_per_minute: z
    .int({ error: PER_MINUTE_RULE })
    .min(1, { error: PER_MINUTE_RULE })
    .describe('Its rate limit, across replicas.'),
} as const;

const consumer = z.strictObject({
  name: consumerField.name,
  token_sha256: consumerField.token_sha256,
  integrations: consumerField.integrations,
  requests_per_minute: consumerField.requests_per_minute.optional(),
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
