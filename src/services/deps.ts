import type { Config } from '../config.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { HttpClient } from '../providers/http.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What services need, passed in so tests hand in real ones pointed at loopback. */
export interface ServiceDeps {
  config: Config;
  db: Db;
  keyring: Keyring;
  http: HttpClient;
  logger: Logger;
  clock: Clock;
}
