/** Renders rows as a plain aligned text table for terminals. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatDate(value: Date | null | undefined): string {
  return value ? value.toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z').replace('T', ' ') : '-';
}
