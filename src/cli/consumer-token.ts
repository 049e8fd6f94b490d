import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../services/delivery/consumers.js';
import { EXIT, type CliIo } from './context.js';

/**
 * `reauth-bot consumer-token`: a new pull-API token and its SHA-256. The token is printed once and
 * stored nowhere: the hash goes in integrations.yml, the token to the consumer.
 */
export async function consumerTokenCommand(io: CliIo): Promise<number> {
  const token = `rct_${randomBytes(32).toString('base64url')}`;
  io.stdout(`token:        ${token}`);
  io.stdout(`token_sha256: ${sha256Hex(token)}`);
  io.stdout(
    'Give the token to the consumer (it is not stored anywhere) and list the hash under consumers: in integrations.yml.',
  );
  return EXIT.ok;
}
