/** Additional authenticated data for each kind of sealed value, so a value cannot be moved between rows. */
/** A credential is sealed to its key and to what it was validated against (its binding), when it has one. */
export const credentialContext = (credentialKey: string, binding: string | null): string =>
  binding === null ? credentialKey : `${credentialKey}#${binding}`;
export const oauthStateContext = (stateHash: string): string => `oauth-state:${stateHash}`;
/** The credential fields an outbox row carries to its sinks, sealed to the credential's key. */
export const deliveryContext = (credentialKey: string): string => `delivery:${credentialKey}`;
/** A credential awaiting its same-account confirmation, sealed to its reference. */
export const pendingCredentialContext = (refHash: string): string => `pending-credential:${refHash}`;
/** A rotation's answer (the new token) held with its attempt, sealed to the credential key it renews. */
export const rotationAnswerContext = (credentialKey: string): string => `rotation-answer:${credentialKey}`;
