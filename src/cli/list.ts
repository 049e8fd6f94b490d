import { loadCatalogueFile } from '../catalogue/load.js';
import { credentialKeyOf, formatCatalogueError } from '../catalogue/types.js';
import { openAlert } from '../db/repositories/alerts.js';
import { currentCredential } from '../db/repositories/credentials.js';
import { healthOf } from '../db/repositories/health.js';
import { authSpec } from '../providers/registry.js';
import { CliError, EXIT, requireConfig, withDatabase, type CliIo } from './context.js';
import { formatDate, formatTable } from './table.js';

/** `reauth-bot list`: the catalogue as it stands, with health and credential from the database. */
export async function listCommand(io: CliIo): Promise<number> {
  const config = requireConfig(io);
  const catalogue = loadCatalogueFile(config.integrationsFile);
  if (!catalogue.ok) {
    throw new CliError(
      [`${config.integrationsFile} is invalid:`, ...catalogue.errors.map((e) => `  - ${formatCatalogueError(e)}`)].join('\n'),
    );
  }
  return withDatabase(config, (db) => {
    const rows = catalogue.entries.map((entry) => {
      const health = healthOf(db, entry.id);
      const credential = currentCredential(db, credentialKeyOf(entry));
      const unsupported = authSpec(entry.provider, entry.auth)?.form.kind === 'unsupported';
      const alert = openAlert(db, credentialKeyOf(entry));
      const alertText = !alert ? '-' : alert.postError ? `open, not posted: ${alert.postError}` : 'open';
      return [
        entry.id,
        entry.provider,
        entry.auth,
        health?.status ?? 'unknown',
        unsupported ? '(app; none held)' : (credential?.fingerprints.join(', ') ?? 'none'),
        formatDate(credential?.expiresAt),
        entry.channel ?? config.defaultAlertChannel ?? '(no channel)',
        alertText,
      ];
    });
    io.stdout(formatTable(['ID', 'PROVIDER', 'AUTH', 'HEALTH', 'CREDENTIAL', 'EXPIRES', 'CHANNEL', 'ALERT'], rows));
    io.stdout(`${rows.length} integration(s) in ${config.integrationsFile}.`);
    return EXIT.ok;
  });
}
