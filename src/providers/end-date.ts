/** A credential's end date as a person enters it (a date picker's YYYY-MM-DD), checked. */
export type EndDate = { ok: true; at: Date | null } | { ok: false; reason: string };

/**
 * Empty is "not given"; otherwise a real calendar date after today, and — where the provider caps its
 * credentials' lives — at most `maxMonths` away (`capNote` says whose cap, for the refusal).
 */
export function parseEndDate(
  text: string | undefined,
  now: Date,
  cap?: { maxMonths: number; capNote: string },
): EndDate {
  const value = (text ?? '').trim();
  if (!value) return { ok: true, at: null };
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const at = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : Number.NaN;
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value)
    return { ok: false, reason: `"${value.slice(0, 40)}" is not a date (YYYY-MM-DD).` };
  if (at <= now.getTime())
    return {
      ok: false,
      reason:
        'This date has passed: a credential that has ended cannot be used. Make a new one and enter its end date.',
    };
  if (cap) {
    const longest = new Date(now);
    longest.setUTCMonth(longest.getUTCMonth() + cap.maxMonths);
    if (at > longest.getTime() + 24 * 3600 * 1000) return { ok: false, reason: cap.capNote };
  }
  return { ok: true, at: new Date(at) };
}
