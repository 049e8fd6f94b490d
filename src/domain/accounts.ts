import { describeIdentity, type CredentialValidation, type Identity } from '../providers/outcome.js';

/**
 * Whose account a credential is: the provider's stable user id from the validation call (GitHub
 * `id`, GitLab `id`, Jira Cloud `accountId`, Jira Data Center `key`, Bitbucket `uuid`, Azure DevOps
 * `authenticatedUser.id`, Harness user `uuid`, SonarQube `login`), with the names that describe it.
 */
export type Account = Identity;

/** Both sides of a hand-over to another account: what a confirmation shows and its audit entry names. */
export interface PendingAccounts {
  current: Account[];
  next: Account[];
}

const isAccount = (value: unknown): value is Account =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';

/** The key a pool's stored identity keeps its accounts under. */
const POOL_ACCOUNTS = 'accounts';

/** Each valid token's account once, in the order first seen (a pool may hold several tokens of one account). */
export function accountsOfValidation(validation: CredentialValidation): Account[] {
  const seen = new Map<string, Account>();
  for (const token of validation.tokens) {
    if (token.outcome.kind === 'valid' && !seen.has(token.outcome.identity.id))
      seen.set(token.outcome.identity.id, { ...token.outcome.identity });
  }
  return [...seen.values()];
}

/** The identity to store with a credential: a pool's keeps every account it holds, so the next pool can be compared. */
export function storedIdentity(
  validation: CredentialValidation & { outcome: { identity: Identity } },
): Record<string, unknown> {
  const accounts = accountsOfValidation(validation);
  return validation.tokens.length > 1
    ? { ...validation.outcome.identity, [POOL_ACCOUNTS]: accounts }
    : { ...validation.outcome.identity };
}

/** The accounts a stored credential belongs to (none when it recorded no identity). */
export function accountsOfStored(identity: Record<string, unknown> | null): Account[] {
  if (!identity) return [];
  const pool = identity[POOL_ACCOUNTS];
  if (Array.isArray(pool) && pool.every(isAccount)) return pool;
  if (!isAccount(identity)) return [];
  const { id, name, email, username } = identity;
  return [
    {
      id,
      ...(typeof name === 'string' ? { name } : {}),
      ...(typeof email === 'string' ? { email } : {}),
      ...(typeof username === 'string' ? { username } : {}),
    },
  ];
}

/** The accounts of `next` that are not among `current`: a hand-over needs a confirmation when there is any. */
export function foreignAccounts(current: readonly Account[], next: readonly Account[]): Account[] {
  if (current.length === 0) return [];
  const known = new Set(current.map((a) => a.id));
  return next.filter((a) => !known.has(a.id));
}

/** "Jane Doe (jane) <jane@acme.com>, id 42": the names a person knows the account by, and the id that decides. */
export function describeAccount(account: Account): string {
  const described = describeIdentity(account);
  return described.includes(account.id) ? described : `${described}, id ${account.id}`;
}
