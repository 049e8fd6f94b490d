import { createKeyring } from '../crypto/keyring.js';
import { rotateKeys } from '../services/rotate-key.js';
import { CliError, EXIT, requireConfig, withStore, type CliIo } from './context.js';

/** `reauth-bot rotate-key`: re-seals everything with REAUTH_SECRET_KEY, opening with REAUTH_PREVIOUS_KEYS. */
export async function rotateKeyCommand(io: CliIo): Promise<number> {
  const config = requireConfig(io, { secretKey: true });
  if (!config.secretKey) throw new CliError('REAUTH_SECRET_KEY is required.');
  const keyring = createKeyring(config.secretKey, config.previousKeys);
  return withStore(config, async (store) => {
    try {
      const summary = await rotateKeys(store, keyring, io.now());
      io.stdout(
        `Re-sealed ${summary.credentials} credential(s), ${summary.oauthStates} pending OAuth state(s), ${summary.pendingCredentials} credential(s) awaiting confirmation, ${summary.rotationAnswers} held rotation answer(s) and ${summary.deliveries} pending deliveries with key ${keyring.currentKeyId}. ` +
          'REAUTH_PREVIOUS_KEYS can now be emptied.',
      );
      return EXIT.ok;
    } catch (error) {
      throw new CliError(
        `Rotation failed and changed nothing: ${(error as Error).message} Put the key that sealed it in REAUTH_PREVIOUS_KEYS and run again.`,
        EXIT.failed,
      );
    }
  });
}
