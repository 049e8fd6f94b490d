import { sinkLabel, type SinkState } from '../domain/delivery.js';

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
  return value
    ? value
        .toISOString()
        .replace(/:\d\d\.\d{3}Z$/, 'Z')
        .replace('T', ' ')
    : '-';
}

/** Each delivery sink as a row: integration, sink, state, version, and why it fails or when it delivered. */
export function formatSinkStates(states: readonly SinkState[]): string {
  return formatTable(
    ['ID', 'SINK', 'DELIVERY', 'VERSION', 'DETAIL'],
    states.map((s) => [
      s.integrationId,
      sinkLabel(s.sinkKey),
      s.state === 'none' ? 'nothing yet' : s.state,
      s.version === null ? '-' : String(s.version),
      [
        s.state === 'failing'
          ? `${s.reason ?? ''} (since ${formatDate(s.since)}, next try ${formatDate(s.nextAttemptAt)})`
          : s.state === 'delivered'
            ? `at ${formatDate(s.since)}`
            : s.state === 'dead'
              ? `given up at ${formatDate(s.since)}: ${s.reason ?? ''}`
              : '',
        s.dead > 0
          ? `${s.dead} given up: npx reauth-bot deliver --retry-dead sends ${s.dead === 1 ? 'it' : 'them'} again`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
    ]),
  );
}
