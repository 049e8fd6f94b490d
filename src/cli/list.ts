import { loadCatalogueFile } from '../catalogue/load.js';
import { credentialKeyOf, formatCatalogueError } from '../catalogue/types.js';
import { isAppIntegration } from '../domain/integration.js';
import { rotationStandingOf, type RotationPolicy } from '../domain/rotation.js';
import { retirementOf, wayOffLine } from '../providers/retired.js';
import { createSinkStates } from '../services/delivery/sink-states.js';
import { CliError, EXIT, requireConfig, withStore, type CliIo } from './context.js';
import { formatDate, formatSinkStates, formatTable } from './table.js';

/** `reauth-bot list`: the catalogue as it stands, with health and credential from the database. */
export async function listCommand(io: CliIo): Promise<number> {
  const config = requireConfig(io);
  const catalogue = loadCatalogueFile(config.integrationsFile);
  if (!catalogue.ok) {
    throw new CliError(
      [`${config.integrationsFile} is invalid:`, ...catalogue.errors.map((e) => `  - ${formatCatalogueError(e)}`)].join(
        '\n',
      ),
    );
  }
  return withStore(config, async (store) => {
    const rows: string[][] = [];
    const wayOff: string[] = [];
    for (const entry of catalogue.entries) {
      const health = await store.health.of(entry.id);
      const credential = await store.credentials.current(credentialKeyOf(entry));
      const unsupported = isAppIntegration({ provider: entry.provider, authType: entry.auth });
      const alert = await store.alerts.open(credentialKeyOf(entry));
      const alertText = !alert ? '-' : alert.postError ? `open, not posted: ${alert.postError}` : 'open';
      const retirement = retirementOf({ provider: entry.provider, authType: entry.auth }, credential);
      if (retirement) wayOff.push(`${entry.id}: ${wayOffLine(retirement)}`);
      rows.push([
        entry.id,
        entry.provider,
        entry.auth,
        health?.status ?? 'unknown',
        unsupported ? '(app; none held)' : (credential?.fingerprints.join(', ') ?? 'none'),
        formatDate(credential?.expiresAt),
        entry.channel ?? config.defaultAlertChannel ?? '(no channel)',
        alertText,
      ]);
    }
    io.stdout(formatTable(['ID', 'PROVIDER', 'AUTH', 'HEALTH', 'CREDENTIAL', 'EXPIRES', 'CHANNEL', 'ALERT'], rows));
    io.stdout(`${rows.length} integration(s) in ${config.integrationsFile}.`);
    if (wayOff.length > 0) {
      io.stdout('');
      io.stdout('Retired by the vendor, and the way off:');
      for (const line of wayOff) io.stdout(`  ${line}`);
    }
    const rotating = catalogue.entries.filter((e) => e.rotate);
    if (rotating.length > 0) {
      const latest = await store.rotations.latest(rotating.map((e) => e.id));
      const rotationRows: string[][] = [];
      for (const entry of rotating) {
        const standing = rotationStandingOf(
          entry.rotate as RotationPolicy,
          await store.credentials.current(credentialKeyOf(entry)),
          latest.get(entry.id),
        );
        const last = latest.get(entry.id)?.last;
        rotationRows.push([
          entry.id,
          formatDate(standing.lastRotatedAt),
          last
            ? `${last.outcome ?? 'running'}${last.reason && last.outcome !== 'rotated' ? `: ${last.reason}` : ''}`
            : 'never tried',
          formatDate(standing.nextAttemptAt),
        ]);
      }
      io.stdout('');
      io.stdout(formatTable(['ID', 'LAST ROTATED', 'LAST ATTEMPT', 'NEXT ATTEMPT'], rotationRows));
    }
    const sinks = new Map(catalogue.entries.map((e) => [e.id, e.deliver]));
    const states = await createSinkStates({ store, sinksOf: (id) => sinks.get(id) ?? [] })(
      catalogue.entries.map((e) => e.id),
    );
    if (states.length > 0) {
      io.stdout('');
      io.stdout(formatSinkStates(states));
    }
    return EXIT.ok;
  });
}
