import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { AuditRecord } from '../domain/types.js';
import { CliError, EXIT, requireConfig, withStore, type CliIo } from './context.js';

const CSV_COLUMNS = ['id', 'at', 'actor', 'integration', 'action', 'outcome', 'fingerprint', 'detail'] as const;

/** One audit row as the export shows it: ISO time, detail as JSON; never a secret (none is ever stored). */
const exported = (row: AuditRecord) => ({
  id: row.id,
  at: row.at.toISOString(),
  actor: row.actor,
  integration: row.integrationId,
  action: row.action,
  outcome: row.outcome,
  fingerprint: row.fingerprint,
  detail: row.detail,
});

function parseArgs(args: string[]): { since?: Date; until?: Date; integrationId?: string; format: 'jsonl' | 'csv' } {
  const options: ReturnType<typeof parseArgs> = { format: 'jsonl' };
  for (let i = 0; i < args.length; i += 1) {
    const flag = args[i];
    const value = args[i + 1];
    if (value === undefined) throw new CliError(`${flag} needs a value.`);
    i += 1;
    const date = () => {
      const parsed = new Date(value);
      if (Number.isNaN(parsed.getTime()))
        throw new CliError(`${flag}: "${value}" is not a date; write it as 2026-11-01 or 2026-11-01T09:30:00Z.`);
      return parsed;
    };
    if (flag === '--since') options.since = date();
    else if (flag === '--until') options.until = date();
    else if (flag === '--integration') options.integrationId = value;
    else if (flag === '--format') {
      if (value !== 'jsonl' && value !== 'csv') throw new CliError(`--format: "${value}" is not jsonl or csv.`);
      options.format = value;
    } else throw new CliError(`Unknown option ${flag}. Use --since, --until, --integration and --format jsonl|csv.`);
  }
  return options;
}

/**
 * `reauth-bot audit [--since <date>] [--until <date>] [--integration <id>] [--format jsonl|csv]`: the
 * audit log, oldest first, streamed row by row (memory stays flat over millions of rows).
 */
export async function auditCommand(io: CliIo, args: string[]): Promise<number> {
  const options = parseArgs(args);
  const config = requireConfig(io);
  const out = io.out;
  if (!out) throw new CliError('audit writes to standard output as a stream; none is available here.');
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  return withStore(config, async (store) => {
    const rows = store.audit.stream({
      ...(options.since ? { since: options.since } : {}),
      ...(options.until ? { until: options.until } : {}),
      ...(options.integrationId ? { integrationId: options.integrationId } : {}),
    });
    if (options.format === 'jsonl') {
      for await (const row of rows) await write(`${JSON.stringify(exported(row))}\n`);
      return EXIT.ok;
    }
    // RFC 4180 quoting by csv-stringify: commas, quotes and line breaks in a value stay inside its field.
    // escape_formulas: a value starting with = + - @ (tab, CR) is prefixed with ' so a spreadsheet shows it
    // as text instead of running it (a consumer could ask for an id like =HYPERLINK(…))
    // (https://owasp.org/www-community/attacks/CSV_Injection).
    const csv = stringify({
      header: true,
      columns: [...CSV_COLUMNS],
      escape_formulas: true,
      cast: { object: (value) => JSON.stringify(value) },
    });
    csv.on('data', (chunk: Buffer | string) => {
      if (!out.write(chunk)) csv.pause();
    });
    out.on('drain', () => csv.resume());
    const finished = once(csv, 'end');
    for await (const row of rows) {
      const record = exported(row);
      if (!csv.write(record)) await once(csv, 'drain');
    }
    csv.end();
    await finished;
    return EXIT.ok;
  });
}
