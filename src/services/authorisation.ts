import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Clock } from '../domain/clock.js';

/**
 * Who may re-authenticate an integration: REAUTH_ADMINS and the integration's owners, each a
 * Slack user id (U…/W…) or a user-group id (S…) resolved with usergroups.users.list, cached briefly.
 */

export type Decision = 'allowed' | 'denied' | 'needs_lookup';

export interface Authoriser {
  /** Everyone named as able to act: admins first, then owners (ids as written). */
  approvers(owners: readonly string[]): string[];
  /** Without any Slack call: a direct user-id match, a definite no, or "ask Slack about groups". */
  decideFast(userId: string, owners: readonly string[]): Decision;
  /** The full answer, resolving user groups (cached). A group that cannot be read grants nothing. */
  canManage(userId: string, owners: readonly string[]): Promise<boolean>;
}

const isGroup = (id: string) => id.startsWith('S');

export function createAuthoriser(options: {
  admins: readonly string[];
  slack: Pick<WebClient, 'usergroups'>;
  clock: Clock;
  logger: Logger;
  cacheMs?: number;
}): Authoriser {
  const cacheMs = options.cacheMs ?? 60_000;
  const cache = new Map<string, { members: Set<string>; at: number }>();

  async function members(groupId: string): Promise<Set<string>> {
    const cached = cache.get(groupId);
    const now = options.clock.now().getTime();
    if (cached && now - cached.at < cacheMs) return cached.members;
    try {
      const result = await options.slack.usergroups.users.list({ usergroup: groupId });
      const set = new Set(result.users ?? []);
      cache.set(groupId, { members: set, at: now });
      return set;
    } catch (error) {
      options.logger.warn(
        { err: error, usergroup: groupId },
        'could not read user group members; treating the group as empty',
      );
      return new Set();
    }
  }

  const everyone = (owners: readonly string[]) => [...new Set([...options.admins, ...owners])];

  return {
    approvers: everyone,
    decideFast(userId, owners) {
      const ids = everyone(owners);
      if (ids.includes(userId)) return 'allowed';
      return ids.some(isGroup) ? 'needs_lookup' : 'denied';
    },
    async canManage(userId, owners) {
      const ids = everyone(owners);
      if (ids.includes(userId)) return true;
      for (const group of ids.filter(isGroup)) {
        if ((await members(group)).has(userId)) return true;
      }
      return false;
    },
  };
}
