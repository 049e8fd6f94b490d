import '../node-version.js';
import { readEnvironment } from '../config.js';
import { startSandbox } from './start-sandbox.js';

/** `npm run sandbox`: the whole product on loopback, one URL to open. */
const env = readEnvironment();
const port = Number(env.PORT ?? 3000);
const dataDir = env.SANDBOX_DIR ?? './sandbox-data';

try {
  const sandbox = await startSandbox({
    dataDir,
    port: Number.isInteger(port) ? port : 3000,
    ...(env.SECRET_ENTRY ? { secretEntry: env.SECRET_ENTRY } : {}),
  });
  process.stdout.write(
    `\nReauth sandbox is running. Open ${sandbox.url}/sandbox\n(Ctrl+C to stop; data in ${dataDir})\n`,
  );
  const stop = async () => {
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(
    code === 'EADDRINUSE'
      ? `Port ${port} is in use: run with PORT=<another port> npm run sandbox\n`
      : `The sandbox could not start: ${(error as Error).message}\n`,
  );
  process.exit(1);
}
