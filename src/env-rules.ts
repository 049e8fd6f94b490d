import * as z from 'zod';
import { SECRET_ENTRIES } from './domain/secret-entry.js';
import { parseSecureUrl, SLACK_CHANNEL_ID, SLACK_USER_OR_GROUP_ID, type UrlMessages } from './domain/addresses.js';

/**
 * The rule of each environment variable Reauth reads, with the sentence that says what is wrong with a
 * value (docs/configuration.md lists them). `parseConfig` applies them and reports every problem at
 * once, each prefixed with the variable's name; what depends on several variables stays there.
 */

export const KEY_COMMAND = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const quoted = (input: unknown) => `"${String(input)}"`;
const HTTPS_ONLY = 'must use https:// (http:// is allowed only for localhost, 127.0.0.1 or ::1).';
const ENV_URL_MESSAGES: UrlMessages = {
  notUrl: (raw) => `${quoted(raw)} is not a URL; write it like https://example.com.`,
  plainHttp: () => HTTPS_ONLY,
  notHttps: () => HTTPS_ONLY,
  userInfo: 'must not contain a user name or password; secrets go in their own variables.',
};
const NOT_A_KEY = `must be 32 random bytes in base64 (44 characters). Make one with: ${KEY_COMMAND}`;

export const envRule = {
  wholeNumber: (min: number, max: number) => {
    const error = (issue: { input?: unknown }) => `${quoted(issue.input)} is not a whole number from ${min} to ${max}.`;
    return z
      .string()
      .regex(/^\d+$/, { error })
      .transform(Number)
      .pipe(z.number().min(min, { error }).max(max, { error }));
  },
  /** https://, or http:// to this machine; `trailingSlash` for a base URL that paths are appended to. */
  secureUrl: (options: { trailingSlash?: boolean } = {}) =>
    z.string().superRefine((raw, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
      if (!parseSecureUrl(raw, fail, ENV_URL_MESSAGES)) return;
      if (options.trailingSlash && !raw.endsWith('/')) fail('must end with "/" (for example https://slack.com/api/).');
    }),
  /** 32 random bytes in base64. */
  key: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: NOT_A_KEY })
    .transform((raw) => Buffer.from(raw, 'base64'))
    .refine((bytes) => bytes.length === 32, { error: NOT_A_KEY }),
  botToken: z
    .string()
    .startsWith('xoxb-', { error: 'must be a bot token starting with xoxb- (not a user or app token).' }),
  appToken: z.string().startsWith('xapp-', {
    error: 'must be an app-level token starting with xapp- (with connections:write), or be left empty for HTTP mode.',
  }),
  admin: z.string().regex(SLACK_USER_OR_GROUP_ID, {
    error: (issue) =>
      `${quoted(issue.input)} is not a Slack user id (U…/W…) or user-group id (S…). Use ids, not names.`,
  }),
  channel: z.string().regex(SLACK_CHANNEL_ID, {
    error: (issue) =>
      `${quoted(issue.input)} is not a channel id (C…/G…). Use the id from the channel's details, not its name.`,
  }),
  logLevel: z.enum(LOG_LEVELS, { error: (issue) => `${quoted(issue.input)} is not one of ${LOG_LEVELS.join(', ')}.` }),
  secretEntry: z.enum(SECRET_ENTRIES, {
    error: (issue) =>
      `${quoted(issue.input)} is not one of ${SECRET_ENTRIES.join(', ')} (slack: the modal's inputs only; web: a one-time page of Reauth's own only; both: either).`,
  }),
  azureTenant: z.string().regex(/^[A-Za-z0-9.-]+$/, {
    error: 'must be a tenant id, a domain, "organizations" or "common".',
  }),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\/./, {
    error:
      'must be a PostgreSQL URL, postgres://user:password@host:5432/database (add ?sslmode=verify-full&sslrootcert=<ca.pem> for verified TLS); leave it unset to use the SQLite file at DATABASE_PATH.',
  }),
} as const;
