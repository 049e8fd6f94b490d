#!/usr/bin/env node
import './node-version.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readEnvironment } from './config.js';
import { CliError, EXIT, type CliIo } from './cli/context.js';
import { auditCommand } from './cli/audit.js';
import { backupCommand } from './cli/backup.js';
import { checkCommand } from './cli/check.js';
import { consumerTokenCommand } from './cli/consumer-token.js';
import { deliverCommand } from './cli/deliver.js';
import { listCommand } from './cli/list.js';
import { migrateCommand } from './cli/migrate.js';
import { rotateKeyCommand } from './cli/rotate-key.js';
import { rotateCommand } from './cli/rotate.js';

const USAGE = `Usage: reauth-bot <command>

Commands:
  migrate      apply database migrations
  list         print integrations with health, credential fingerprint and expiry
  check [id]   probe integrations now with their stored credentials (changes nothing); exit 1 if any fails
  rotate <id>  renew the integration's credential now through the provider's API (GitLab, SonarQube); exit 1 if it fails
  rotate-key   re-seal every secret with REAUTH_SECRET_KEY (old keys in REAUTH_PREVIOUS_KEYS)
  audit        export the audit log: [--since <date>] [--until <date>] [--integration <id>] [--format jsonl|csv]
  backup <file>  write a consistent copy of the database while the server runs
  deliver [id]   retry pending deliveries to sinks now and print each sink's state; exit 1 while any still fails
  consumer-token print a new pull-API consumer token and its SHA-256 (for consumers: in integrations.yml)

Configuration comes from the environment and ./.env (see README.md).`;

type Command = (io: CliIo, args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  migrate: (io) => migrateCommand(io),
  list: (io) => listCommand(io),
  'rotate-key': (io) => rotateKeyCommand(io),
  rotate: (io, args) => rotateCommand(io, args),
  check: (io, args) => checkCommand(io, args),
  audit: (io, args) => auditCommand(io, args),
  backup: (io, args) => backupCommand(io, args),
  deliver: (io, args) => deliverCommand(io, args),
  'consumer-token': (io) => consumerTokenCommand(io),
};

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`Unknown command "${name}".\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command(io, args);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(error.message);
      return error.exitCode;
    }
    io.stderr(`reauth-bot ${name} failed: ${(error as Error).message}`);
    return EXIT.failed;
  }
}

function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  if (!invoked) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the command the process was started with, on its standard streams. */
export async function runFromProcess(): Promise<void> {
  const io: CliIo = {
    env: readEnvironment(),
    stdout: (text) => process.stdout.write(`${text}\n`),
    out: process.stdout,
    stderr: (text) => process.stderr.write(`${text}\n`),
    now: () => new Date(),
  };
  process.exitCode = await runCli(process.argv.slice(2), io);
}

if (isEntryPoint()) await runFromProcess();
