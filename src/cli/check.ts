import { loadCatalogueFile } from '../catalogue/load.js';
import { credentialKeyOf, formatCatalogueError } from '../catalogue/types.js';
import { createKeyring } from '../crypto/keyring.js';
import { createLogger } from '../logger.js';
import { createHttpClient } from '../providers/http.js';
import { describeIdentity } from '../providers/outcome.js';
import { providerConcurrencyCaps } from '../providers/registry.js';
import { probeIntegration, type ProbeResult } from '../services/probe.js';
import { CliError, EXIT, requireConfig, withDatabase, type CliIo } from './context.js';
import { formatDate, formatTable } from './table.js';

/**
 * `reauth-bot check [id]`: probes with the stored credentials and prints the outcomes.
 * Changes no state and posts nothing; exit 1 if any probed integration fails.
 */
export async function checkCommand(io: CliIo, args: string[]): Promise<number> {
  const config = requireConfig(io, { secretKey: true });
  if (!config.secretKey) throw new CliError('REAUTH_SECRET_KEY is required.');
  const catalogue = loadCatalogueFile(config.integrationsFile);
  if (!catalogue.ok) {
    throw new CliError([`${config.integrationsFile} is invalid:`, ...catalogue.errors.map((e) => `  - ${formatCatalogueError(e)}`)].join('\n'));
  }
  const [only] = args;
  const entries = only ? catalogue.entries.filter((e) => e.id === only) : catalogue.entries;
  if (only && entries.length === 0) throw new CliError(`No integration "${only}" in ${config.integrationsFile}.`);

  const http = createHttpClient({
    providerConcurrency: providerConcurrencyCaps(),
  });
  try {
    return await withDatabase(config, async (db) => {
      const deps = { config, db, keyring: createKeyring(config.secretKey as Buffer, config.previousKeys), http, logger: createLogger({ level: 'silent' }), clock: { now: io.now } };
      // Integrations sharing a credential (Azure DevOps) are probed once.
      const byKey = new Map<string, Promise<ProbeResult>>();
      const results = await Promise.all(
        entries.map(async (entry) => {
          const key = credentialKeyOf(entry);
          let probe = byKey.get(key);
          if (!probe) {
            probe = probeIntegration(deps, { ...entry, authType: entry.auth, credentialKey: key, organization: entry.organization ?? null, accountId: entry.accountId ?? null, repository: entry.repository ?? null }, { persist: false });
            byKey.set(key, probe);
          }
          return { entry, result: await probe };
        }),
      );
      const rows = results.map(({ entry, result }) => {
        const valid = result.outcome.kind === 'valid' ? result.outcome : undefined;
        return [
          entry.id,
          result.probed ? result.outcome.kind : 'not probed',
          result.outcome.reason,
          valid ? describeIdentity(valid.identity) : '-',
          formatDate(valid?.expiresAt ?? result.credential?.expiresAt),
        ];
      });
      // The reason goes last: it is the long column.
      io.stdout(formatTable(['INTEGRATION', 'OUTCOME', 'IDENTITY', 'EXPIRES', 'REASON'], rows.map(([id, kind, reason, who, expires]) => [id ?? '', kind ?? '', who ?? '', expires ?? '', reason ?? ''])));
      const failing = results.filter(({ result }) => result.probed && result.outcome.kind !== 'valid').length;
      io.stdout(`${results.length} integration(s): ${results.filter((r) => r.result.outcome.kind === 'valid').length} valid, ${failing} failing, ${results.filter((r) => !r.result.probed).length} not probed (app types).`);
      return failing > 0 ? EXIT.failing : EXIT.ok;
    });
  } finally {
    await http.close();
  }
}
