/**
 * How long each one-time thing Reauth hands out works. Every sentence that names one of these durations
 * derives it from here (durationText), so changing a lifetime changes what people are told.
 */

/** A link to the secret-entry page (SECRET_ENTRY=web or both). */
export const WEB_FORM_LIFETIME_MS = 10 * 60 * 1000;
/** An OAuth sign-in link (its state). */
export const OAUTH_STATE_LIFETIME_MS = 10 * 60 * 1000;
/** A credential of another account, held sealed while it waits for its confirmation. */
export const PENDING_LIFETIME_MS = 10 * 60 * 1000;

const UNITS: readonly [ms: number, one: string, many: string][] = [
  [3_600_000, 'hour', 'hours'],
  [60_000, 'minute', 'minutes'],
  [1_000, 'second', 'seconds'],
];

/** A duration as people read it: "10 minutes", "1 hour", "90 seconds" (the largest unit that divides it). */
export function durationText(ms: number): string {
  const [unit, one, many] = UNITS.find(([size]) => ms >= size && ms % size === 0) ?? [1, 'millisecond', 'milliseconds'];
  const count = ms / unit;
  return `${count} ${count === 1 ? one : many}`;
}
