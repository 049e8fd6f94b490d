import { composeCore, StartupError } from '../compose.js';
import { createLogger } from '../logger.js';
import { CliError, EXIT, requireConfig, type CliIo } from './context.js';

/**
 * `reauth-bot rotate <id>`: renews the integration's credential now through the provider's API,
 * whether or not it is due. Safe beside a running server: the rotation takes the same per-credential
 * lock, is recorded before the provider is called, and its new version is delivered and announced as
 * the server's own are. Exit 0 when rotated, 1 when it failed (with the reason), 2 on a usage problem.
 */
export async function rotateCommand(io: CliIo, args: string[]): Promise<number> {
  const [id, ...rest] = args;
  if (!id || rest.length > 0 || id.startsWith('-')) throw new CliError('Usage: reauth-bot rotate <id>');
  const config = requireConfig(io, { slack: true, secretKey: true });
  let reauth: Awaited<ReturnType<typeof composeCore>>;
  try {
    // The services without the Slack app: nothing listens, the rotation's notice is still posted.
    reauth = await composeCore(config, createLogger({ level: 'silent' }), { clock: { now: io.now } });
  } catch (error) {
    throw new CliError(error instanceof StartupError ? error.message : (error as Error).message);
  }
  try {
    const integration = await reauth.parts.store.integrations.findActive(id);
    if (!integration) throw new CliError(`No integration "${id}" in ${config.integrationsFile}.`);
    const result = await reauth.parts.rotation.rotate(integration, { requestedBy: 'cli', force: true });
    if (result.status === 'rotated') {
      // Delivered now, as the server would: each message is leased, so never sent twice.
      await reauth.parts.delivery.worker.runDue();
      io.stdout(
        `${id} rotated: new credential ${result.credential.fingerprints.join(', ')} (version ${result.credential.version})${result.expiresAt ? `, valid until ${result.expiresAt.toISOString().slice(0, 10)}` : ''}. ${result.previousNote}`,
      );
      return EXIT.ok;
    }
    io.stderr(`${id} was not rotated: ${result.reason}`);
    return result.status === 'off' ? EXIT.usage : EXIT.failing;
  } finally {
    // Waits for the notice in Slack (work in flight) before the process ends.
    await reauth.stop();
  }
}
