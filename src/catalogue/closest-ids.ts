/** Catalogue ids are at most this long (docs/catalogue.md); nothing longer can be a typo of one. */
export const MAX_ID_LENGTH = 64;

/** Counts the work done, so tests can prove it is bounded without timing it. */
export interface Meter {
  cells: number;
}

/**
 * Edit distance (Levenshtein) when it is at most `max`, else `max + 1`. Only the band of cells within
 * `max` of the diagonal is computed, and the work stops as soon as every cell of a row exceeds `max`.
 */
function boundedDistance(a: string, b: string, max: number, meter: Meter): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : over));
  for (let i = 1; i <= a.length; i += 1) {
    const row = new Array<number>(b.length + 1).fill(over);
    row[0] = i <= max ? i : over;
    let best = row[0];
    for (let j = Math.max(1, i - max); j <= Math.min(b.length, i + max); j += 1) {
      meter.cells += 1;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? over) + 1, (row[j - 1] ?? over) + 1, (previous[j - 1] ?? over) + cost);
      row[j] = Math.min(value, over);
      best = Math.min(best, row[j] ?? over);
    }
    if (best > max) return over;
    previous = row;
  }
  return previous[b.length] ?? over;
}

/**
 * Up to `limit` ids close to what was typed: substring matches first, then small edit distances.
 * The cost is bounded whatever is typed: input longer than any id gets no suggestion, and each
 * comparison computes at most a narrow band of the distance table.
 */
export function closestIds(typed: string, ids: readonly string[], limit = 3, meter: Meter = { cells: 0 }): string[] {
  if (typed.length === 0 || typed.length > MAX_ID_LENGTH) return [];
  const query = typed.toLowerCase();
  const max = Math.max(2, Math.floor(query.length / 3));
  const scored: { id: string; score: number }[] = [];
  for (const id of ids) {
    const score = id.includes(query) || query.includes(id) ? 0 : boundedDistance(query, id, max, meter);
    if (score <= max) scored.push({ id, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((c) => c.id);
}
