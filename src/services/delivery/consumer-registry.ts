import type { ConsumerSpec } from '../../domain/delivery.js';
import type { Logger } from '../../logger.js';
import { createConsumerGrants, type ConsumerGrantsDeps } from './consumer-grants.js';
import { createConsumerDirectory } from './consumers.js';

/** integrations.yml read again: its consumers, or the sentences that say why it did not load. */
export type ConsumerReload = { ok: true; consumers: readonly ConsumerSpec[] } | { ok: false; errors: string[] };

export interface ConsumerRegistryDeps extends ConsumerGrantsDeps {
  logger: Logger;
  /** The consumers integrations.yml named at start-up. */
  initial: readonly ConsumerSpec[];
  /** Reads integrations.yml again. */
  load: () => ConsumerReload;
  /** The file's name, for the log line of a reload that failed. */
  file: string;
}

/**
 * The consumers in force and their grants: read at start-up, and again when integrations.yml changes
 * (SIGHUP, or the file watcher) — a consumer removed stops reading at once, and every new grant is
 * audited and announced. A file that does not load keeps the consumers as they were, and says why.
 * Other changes of the file need a restart.
 */
export function createConsumerRegistry(deps: ConsumerRegistryDeps) {
  let consumers = createConsumerDirectory(deps.initial);
  let specs = deps.initial;
  const applyGrants = createConsumerGrants(deps);
  return {
    /** The consumers in force now. */
    current: () => consumers,
    /** Records (and announces) the grants of the consumers in force. */
    applyGrants: () => applyGrants(specs),
    /** Reads integrations.yml again for its consumers. Never throws: the watcher and SIGHUP call it and only log. */
    async reload(): Promise<{ ok: boolean; consumers: number }> {
      const reloaded = deps.load();
      if (!reloaded.ok) {
        deps.logger.warn(
          { event: 'catalogue_reload_invalid', errors: reloaded.errors },
          `${deps.file} did not load, so the consumers stay as they were; fix it and save again (or send SIGHUP)`,
        );
        return { ok: false, consumers: consumers.size };
      }
      specs = reloaded.consumers;
      consumers = createConsumerDirectory(specs);
      try {
        await applyGrants(specs);
      } catch (error) {
        // The new consumers are in force; their grants are recorded and announced at the next reload or start.
        deps.logger.error(
          { event: 'catalogue_reload_failed', error: (error as Error).message },
          'the consumers were reloaded, but their grants could not be recorded; they are recorded at the next reload',
        );
      }
      deps.logger.info(
        { event: 'consumers_reloaded', consumers: consumers.size },
        'consumers reloaded from integrations.yml',
      );
      return { ok: true, consumers: consumers.size };
    },
  };
}

export type ConsumerRegistry = ReturnType<typeof createConsumerRegistry>;
