/** Where people type new secrets: in Slack's modal, on Reauth's own one-time page, or either (SECRET_ENTRY, docs/configuration.md). */
export const SECRET_ENTRIES = ['slack', 'web', 'both'] as const;
export type SecretEntry = (typeof SECRET_ENTRIES)[number];
