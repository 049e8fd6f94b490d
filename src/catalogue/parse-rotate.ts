import { authSpec, rotatableRows } from '../providers/registry.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';
import { DEFAULT_ROTATION, type RotationPolicy } from '../domain/rotation.js';
import { rotationDays } from './schema.js';
import { ruleProblem } from '../rules.js';

type Fail = (field: string, message: string) => void;

const KEYS = ['before_days', 'every_days', 'lifetime_days'] as const;

/**
 * `rotate:` of one integration: `true` (every default), `false` or absent (off), or a mapping of
 * `before_days` (default 7), `every_days` (optional) and `lifetime_days` (default 90), each a whole
 * number of days from 1 to 365, with a lifetime not shorter than `before_days` (it would be due again
 * at once). Only a provider/auth type that documents a renewal call may rotate.
 */
export function parseRotation(
  raw: unknown,
  provider: ProviderKey | undefined,
  auth: AuthKey | undefined,
  fail: Fail,
): RotationPolicy | undefined {
  if (raw === undefined || raw === null || raw === false) return undefined;
  if (provider && auth && !authSpec(provider, auth)?.rotation) {
    const supported = rotatableRows()
      .map((r) => `${r.provider} ${r.auth}`)
      .join(' and ');
    fail(
      'rotate',
      `${provider} ${auth} cannot renew its credential through its API, so Reauth cannot rotate it; only ${supported} can. Remove rotate: here (Reauth still warns before it expires).`,
    );
    return undefined;
  }
  if (raw === true) return { ...DEFAULT_ROTATION };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    fail('rotate', 'must be true, false, or a mapping with before_days, every_days and lifetime_days.');
    return undefined;
  }
  const fields = raw as Record<string, unknown>;
  let ok = true;
  for (const key of Object.keys(fields)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      fail(`rotate.${key}`, `unknown key; allowed: ${KEYS.join(', ')}.`);
      ok = false;
    }
  }
  const days = (key: (typeof KEYS)[number], fallback: number | null): number | null => {
    const value = fields[key];
    if (value === undefined || value === null) return fallback;
    const problem = ruleProblem(rotationDays, value);
    if (problem) {
      fail(`rotate.${key}`, problem);
      ok = false;
      return fallback;
    }
    return value as number;
  };
  const policy: RotationPolicy = {
    beforeDays: days('before_days', DEFAULT_ROTATION.beforeDays) ?? DEFAULT_ROTATION.beforeDays,
    everyDays: days('every_days', null),
    lifetimeDays: days('lifetime_days', DEFAULT_ROTATION.lifetimeDays) ?? DEFAULT_ROTATION.lifetimeDays,
  };
  if (ok && policy.lifetimeDays <= policy.beforeDays) {
    fail(
      'rotate.lifetime_days',
      `${policy.lifetimeDays} days is not longer than before_days (${policy.beforeDays}): a new credential would be due for rotation at once. Ask for a longer lifetime or rotate closer to expiry.`,
    );
    ok = false;
  }
  return ok ? policy : undefined;
}
