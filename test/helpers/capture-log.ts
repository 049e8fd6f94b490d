import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';
import type { LogLevel } from '../../src/config.js';

/** A real logger writing JSON lines into memory, so tests can read and search every line. */
export function captureLogger(level: LogLevel = 'debug'): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
