import type { Credential } from './types.js';

/** How a credential is named wherever people or consumers see it: its tokens' fingerprints, comma-separated. */
export const fingerprintOf = (credential: Pick<Credential, 'fingerprints'>): string =>
  credential.fingerprints.join(',');
