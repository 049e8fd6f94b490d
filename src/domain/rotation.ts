/** `rotate:` of an integration: when Reauth renews its credential itself, and for how long. */
export interface RotationPolicy {
  /** Rotate once the credential expires within this many days. */
  beforeDays: number;
  /** Also rotate once Reauth has held the credential this long (tokens without expiry); null: never for age alone. */
  everyDays: number | null;
  /** The lifetime asked for the new credential (the provider may cap it). */
  lifetimeDays: number;
}

export const DEFAULT_ROTATION: RotationPolicy = { beforeDays: 7, everyDays: null, lifetimeDays: 90 };

const DAY_MS = 86_400_000;

/** Whether a credential is due for rotation now: expiring within `beforeDays`, or held for `everyDays`. */
export function rotationDue(
  policy: RotationPolicy,
  credential: { expiresAt: Date | null; createdAt: Date },
  now: Date,
): boolean {
  if (credential.expiresAt && credential.expiresAt.getTime() - now.getTime() <= policy.beforeDays * DAY_MS) return true;
  return policy.everyDays !== null && now.getTime() - credential.createdAt.getTime() >= policy.everyDays * DAY_MS;
}

/** When a credential will be due (what App Home and `reauth-bot list` announce), or null when nothing makes it due. */
export function rotationDueAt(
  policy: RotationPolicy,
  credential: { expiresAt: Date | null; createdAt: Date },
): Date | null {
  const times = [
    credential.expiresAt ? credential.expiresAt.getTime() - policy.beforeDays * DAY_MS : null,
    policy.everyDays === null ? null : credential.createdAt.getTime() + policy.everyDays * DAY_MS,
  ].filter((t): t is number => t !== null);
  return times.length ? new Date(Math.min(...times)) : null;
}

/** A failed rotation is tried again at most once an hour. */
export const ROTATION_RETRY_MS = 60 * 60 * 1000;

/** Where an integration's automatic rotation stands. */
export interface RotationStanding {
  /** When the current credential becomes due (expiry minus before_days, or held every_days). */
  dueAt: Date | null;
  lastRotatedAt: Date | null;
  /** Why the last rotation of the current credential failed; undefined while it is on track. */
  failure: string | undefined;
  /** When Reauth tries next: after a failure, an hour later; otherwise when it is due. */
  nextAttemptAt: Date | null;
}

/** What a standing is computed from: the policy, the current credential, the newest attempts. */
export function rotationStandingOf(
  policy: RotationPolicy,
  current: { id: number; expiresAt: Date | null; createdAt: Date } | undefined,
  latest:
    | {
        last: {
          credentialId: number;
          finishedAt: Date | null;
          outcome: string | null;
          reason: string | null;
          retryAt: Date | null;
        };
        lastRotated: { finishedAt: Date | null } | undefined;
      }
    | undefined,
): RotationStanding {
  const dueAt = current ? rotationDueAt(policy, current) : null;
  const last = latest?.last;
  const failed =
    last?.finishedAt &&
    last.outcome !== 'rotated' &&
    last.outcome !== 'interrupted' &&
    current &&
    last.credentialId === current.id;
  return {
    dueAt,
    lastRotatedAt: latest?.lastRotated?.finishedAt ?? null,
    failure: failed ? (last.reason ?? 'the last rotation failed') : undefined,
    nextAttemptAt: failed ? last.retryAt : dueAt,
  };
}
