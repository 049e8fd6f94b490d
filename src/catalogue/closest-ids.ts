/** Edit distance (Levenshtein), for suggesting the id someone meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** Up to `limit` ids close to what was typed: substring matches first, then small edit distances. */
export function closestIds(typed: string, ids: readonly string[], limit = 3): string[] {
  const query = typed.toLowerCase();
  return ids
    .map((id) => ({ id, score: id.includes(query) || query.includes(id) ? 0 : distance(query, id) }))
    .filter((c) => c.score <= Math.max(2, Math.floor(query.length / 3)))
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((c) => c.id);
}
