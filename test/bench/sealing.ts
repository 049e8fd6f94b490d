import { randomBytes } from 'node:crypto';
import { createKeyring } from '../../src/crypto/keyring.js';
import { round } from './stats.js';

/** Seal and unseal operations per second (AES-256-GCM, one random nonce each). */
export function measureSealing(iterations: number): { sealPerSecond: number; unsealPerSecond: number } {
  const ring = createKeyring(randomBytes(32));
  const secret = JSON.stringify({
    kind: 'tokens',
    identifier: 'bench@acme.example',
    tokens: [`ghp_${'x'.repeat(36)}`],
  });
  const sealed: string[] = [];
  let started = performance.now();
  for (let i = 0; i < iterations; i += 1) sealed.push(ring.seal(secret, `integration:${i % 100}`).value);
  const sealMs = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < iterations; i += 1) ring.unseal(sealed[i] ?? '', `integration:${i % 100}`);
  const unsealMs = performance.now() - started;
  return {
    sealPerSecond: round(iterations / (sealMs / 1000), 0),
    unsealPerSecond: round(iterations / (unsealMs / 1000), 0),
  };
}
