import { createLogger } from '../logger.js';
import { loadCatalogueFile } from '../catalogue/load.js';
import { credentialKeyOf, formatCatalogueError } from '../catalogue/types.js';
import { createProviderHttpClient } from '../compose.js';
import { createKeyring } from '../crypto/keyring.js';
import { bindingChange } from '../domain/integration.js';
import { oauthEndpoints, oauthSetupHint } from '../providers/oauth.js';
import { describeIdentity } from '../providers/outcome.js';
import { createCredentialCommit } from '../services/credential-commit.js';
import { machineEndpointsOf } from '../providers/machine/settings.js';
import { createAccessTokens } from '../services/access-tokens.js';
import { createProber, type ProbeResult } from '../services/probe.js';
import { createOutboxPlanner } from '../services/delivery/outbox.js';
import { CliError, EXIT, requireConfig, withStore, type CliIo } from './context.js';
import { formatDate, formatTable } from './table.js';

function notProbedAfterEdit(id: string, change: string): ProbeResult {
  return {
    probed: false,
    outcome: {
      kind: 'invalid_credentials',
      reason: `Not probed: ${change} in integrations.yml since the server last synced it, so its credential is not sent there. The server retires it at its next start; then re-authenticate with /reauth ${id}.`,
    },
    tokens: [],
    credential: undefined,
  };
}

/**
 * `reauth-bot check [id]`: probes with the stored credentials and prints the outcomes. Posts nothing
 * and records no health; an OAuth refresh it needs is committed like the server's (SPEC §6); exit 1
 * if any probed integration fails.
 */
export async function checkCommand(io: CliIo, args: string[]): Promise<number> {
  const config = requireConfig(io, { secretKey: true });
  if (!config.secretKey) throw new CliError('REAUTH_SECRET_KEY is required.');
  const catalogue = loadCatalogueFile(config.integrationsFile);
  if (!catalogue.ok) {
    throw new CliError(
      [`${config.integrationsFile} is invalid:`, ...catalogue.errors.map((e) => `  - ${formatCatalogueError(e)}`)].join(
        '\n',
      ),
    );
  }
  const [only] = args;
  const entries = only ? catalogue.entries.filter((e) => e.id === only) : catalogue.entries;
  if (only && entries.length === 0) throw new CliError(`No integration "${only}" in ${config.integrationsFile}.`);

  const http = createProviderHttpClient();
  try {
    return await withStore(config, async (store) => {
      const keyring = createKeyring(config.secretKey as Buffer, config.previousKeys);
      const clock = { now: io.now };
      // `check` posts nothing and records no health, but never spends what it cannot keep: an OAuth
      // provider spends the refresh token in the grant, so a token it refreshes to probe is committed
      // like any other refresh — under the credential lock, with its outbox rows for the sinks (the
      // server delivers them) — instead of being thrown away.
      const sinksOf = (id: string) => catalogue.entries.find((e) => e.id === id)?.deliver ?? [];
      const logger = createLogger({ level: 'silent' });
      const { renew } = createCredentialCommit({
        store,
        keyring,
        clock,
        logger,
        credentialLock: store.withCredentialLock,
        outbox: createOutboxPlanner({ sinksOf, keyring }),
      });
      const accessTokens = createAccessTokens({
        store,
        keyring,
        http,
        clock,
        logger,
        renew,
        oauthEndpointsOf: (provider) => oauthEndpoints(config, provider),
        oauthSetupHintOf: oauthSetupHint,
        machineEndpoints: machineEndpointsOf(config),
      });
      const prober = createProber({ store, keyring, http, clock, accessTokens });
      const synced = new Map((await store.integrations.listAll()).map((row) => [row.id, row]));
      // Integrations sharing a credential (Azure DevOps) are probed once.
      const byKey = new Map<string, Promise<ProbeResult>>();
      const results = await Promise.all(
        entries.map(async (entry) => {
          const key = credentialKeyOf(entry);
          const subject = {
            ...entry,
            authType: entry.auth,
            credentialKey: key,
            organization: entry.organization ?? null,
            accountId: entry.accountId ?? null,
            repository: entry.repository ?? null,
            machine: entry.machine ?? null,
          };
          // The same rule as the server's catalogue sync: a credential is never sent where the file now
          // points if that is not where it was validated. The prober checks the credential's own binding.
          const row = synced.get(entry.id);
          const changed = row && bindingChange(row, subject);
          if (changed) return { entry, result: notProbedAfterEdit(entry.id, changed), edited: true };
          let probe = byKey.get(key);
          if (!probe) {
            probe = prober(subject);
            byKey.set(key, probe);
          }
          return { entry, result: await probe, edited: false };
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
      io.stdout(
        formatTable(
          ['INTEGRATION', 'OUTCOME', 'IDENTITY', 'EXPIRES', 'REASON'],
          rows.map(([id, kind, reason, who, expires]) => [
            id ?? '',
            kind ?? '',
            who ?? '',
            expires ?? '',
            reason ?? '',
          ]),
        ),
      );
      const failing = results.filter(({ result }) => result.probed && result.outcome.kind !== 'valid').length;
      const edited = results.filter((r) => r.edited).length;
      const apps = results.filter((r) => !r.result.probed && !r.edited).length;
      io.stdout(
        `${results.length} integration(s): ${results.filter((r) => r.result.outcome.kind === 'valid').length} valid, ${failing} failing, ${apps} not probed (app types)` +
          `${edited ? `, ${edited} not probed (changed in integrations.yml since the last sync: they need re-authentication)` : ''}.`,
      );
      return failing + edited > 0 ? EXIT.failing : EXIT.ok;
    });
  } finally {
    await http.close();
  }
}
