import { createProviderHttpClient } from '../compose.js';
import { createKeyring } from '../crypto/keyring.js';
import { createLogger } from '../logger.js';
import { deliveryConfigProblems } from '../services/delivery/config-check.js';
import { createSinkStates } from '../services/delivery/sink-states.js';
import { createDeliveryWorker } from '../services/delivery/worker.js';
import { createSinkSenders } from '../sinks/senders.js';
import { CliError, EXIT, requireConfig, withSyncedCatalogue, type CliIo } from './context.js';
import { formatSinkStates } from './table.js';

/**
 * `reauth-bot deliver [id] [--retry-dead]`: retries every pending delivery (of one integration) now,
 * safe beside a running server (each message is leased, so it is never sent by both), and prints where
 * each sink stands; `--retry-dead` first queues again the messages that were given up on. Exit 1 while
 * any sink is still failing or has a message given up on.
 */
export async function deliverCommand(io: CliIo, args: string[]): Promise<number> {
  const retryDead = args.includes('--retry-dead');
  const [only, ...rest] = args.filter((a) => a !== '--retry-dead');
  if (rest.length > 0 || only?.startsWith('-')) throw new CliError('Usage: reauth-bot deliver [id] [--retry-dead]');
  const config = requireConfig(io, { secretKey: true });
  if (!config.secretKey) throw new CliError('REAUTH_SECRET_KEY is required.');
  const secretKey = config.secretKey;
  return withSyncedCatalogue(config, io.now(), async (store, catalogue) => {
    const entries = only ? catalogue.entries.filter((e) => e.id === only) : catalogue.entries;
    if (only && entries.length === 0) throw new CliError(`No integration "${only}" in ${config.integrationsFile}.`);
    const problems = deliveryConfigProblems(entries, config);
    if (problems.length) throw new CliError(['Some sinks cannot work:', ...problems.map((p) => `  - ${p}`)].join('\n'));
    const sinks = new Map(catalogue.entries.map((e) => [e.id, e.deliver]));
    const sinksOf = (id: string) => sinks.get(id) ?? [];
    const http = createProviderHttpClient();
    try {
      const worker = createDeliveryWorker({
        store,
        keyring: createKeyring(secretKey, config.previousKeys),
        senders: createSinkSenders(http, config),
        sinksOf,
        clock: { now: io.now },
        logger: createLogger({ level: 'silent' }),
        random: Math.random,
      });
      const revived = retryDead ? await store.deliveries.retryDead(only) : 0;
      const queued = await store.deliveries.retryNow(only);
      // Only the chosen integration's sinks are worked; others' rows keep waiting for the server.
      const attempted = only ? await worker.runDueFor(only) : await worker.runDue();
      const states = await createSinkStates({ store, sinksOf })(entries.map((e) => e.id));
      if (states.length === 0) {
        io.stdout(only ? `${only} has no deliver: sinks.` : 'No integration has deliver: sinks.');
        return EXIT.ok;
      }
      io.stdout(formatSinkStates(states));
      io.stdout(
        `${retryDead ? `${revived} given-up message(s) queued again, ` : ''}${queued} pending message(s) retried now, ${attempted} attempt(s) made.`,
      );
      return states.some((s) => s.state === 'failing' || s.state === 'pending' || s.state === 'dead')
        ? EXIT.failing
        : EXIT.ok;
    } finally {
      await http.close();
    }
  });
}
