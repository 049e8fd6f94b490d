import { isDatabaseUnavailable } from '../db/store.js';

/** How long a provider's answer is offered to a database that is restarting before it is given up on. */
export const KEEP_ANSWER_FOR_MS = 30_000;

/**
 * Runs a store write that carries something a provider already issued (a rotated token, a refreshed
 * token pair): losing it would leave a live credential nobody holds, or break a single-use refresh
 * chain. A database that is restarting or failing over is offered the write again, with a growing
 * pause, for up to `forMs`; any other error (a refusal that is an answer — the credential changed — or
 * a bug) is not retried.
 */
export async function keepAnswer<T>(write: () => Promise<T>, forMs = KEEP_ANSWER_FOR_MS): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 4_000)) {
    try {
      return await write();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + pause > deadline) throw error;
      // Waiting for the database to come back, bounded above by forMs.
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
