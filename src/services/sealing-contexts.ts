/** Additional authenticated data for each kind of sealed value, so a value cannot be moved between rows. */
export const credentialContext = (credentialKey: string): string => credentialKey;
export const oauthStateContext = (stateHash: string): string => `oauth-state:${stateHash}`;
