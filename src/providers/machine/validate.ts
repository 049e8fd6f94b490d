import type { ValidationContext } from '../call.js';
import type { CredentialValidation, Identity, Outcome } from '../outcome.js';
import { atlassianMinter } from './atlassian.js';
import { bitbucketMinter } from './bitbucket.js';
import { entraMinter } from './entra.js';
import { githubAppMinter } from './github-app.js';
import type { MachineInput } from './input.js';
import { DEFAULT_MACHINE_ENDPOINTS, type MachineEndpoints, type MachineSettings } from './settings.js';
import type {
  ClientSecretRoot,
  HeldToken,
  MachineRootSecret,
  Minter,
  MintedToken,
  MintResult,
  PrivateKeyRoot,
} from './types.js';

/** Each kind of machine identity, by the kind of its settings: the one place that tells them apart. */
const MINTERS = {
  github_app: githubAppMinter,
  entra: entraMinter,
  bitbucket: bitbucketMinter,
  atlassian: atlassianMinter,
} satisfies {
  [K in MachineSettings['kind']]: Minter<Extract<MachineSettings, { kind: K }>, PrivateKeyRoot | ClientSecretRoot>;
};

/** The minter of these settings. (TypeScript cannot tie an indexed entry to its key's settings: one cast, here.) */
const minterOf = (settings: MachineSettings): Minter<MachineSettings, MachineRootSecret> =>
  MINTERS[settings.kind] as unknown as Minter<MachineSettings, MachineRootSecret>;

const notConfigured = (ctx: ValidationContext): Outcome => ({
  kind: 'provider_error',
  status: null,
  reason: `${ctx.target.id} has no machine identity settings in integrations.yml (app_id and installation_id, tenant_id, or workspace); add them and try again.`,
});

const wrongRoot = (ctx: ValidationContext): Outcome => ({
  kind: 'wrong_auth_type',
  reason: `The stored root secret does not fit ${ctx.target.id}'s auth type; re-authenticate it.`,
});

/** The minter for these settings and this root secret, or why there is none (no settings, a root of another kind). */
function minterFor(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  root: MachineRootSecret,
):
  | { ok: true; minter: Minter<MachineSettings, MachineRootSecret>; settings: MachineSettings }
  | { ok: false; outcome: Outcome } {
  if (!settings) return { ok: false, outcome: notConfigured(ctx) };
  const minter = minterOf(settings);
  return root.kind === minter.root ? { ok: true, minter, settings } : { ok: false, outcome: wrongRoot(ctx) };
}

/** One short-lived access token from a machine identity's root secret: the one mint, for every caller. */
export async function mintAccessToken(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  root: MachineRootSecret,
  endpoints: MachineEndpoints = DEFAULT_MACHINE_ENDPOINTS,
): Promise<MintResult> {
  const found = minterFor(ctx, settings, root);
  return found.ok ? found.minter.mint(ctx, found.settings, root, endpoints) : found;
}

/** A machine identity's validation: what a re-authentication stores, and the first access token it minted. */
export interface MachineValidation {
  validation: CredentialValidation;
  /** The access token minted to prove the root secret: kept, so nothing mints again at once. */
  minted?: MintedToken;
  /** An Atlassian site's cloud id, found through the token: kept with the credential, not asked again. */
  cloudId?: string;
}

/**
 * Proves a root secret works (SPEC §12) as its kind says (MINTERS): named first where the provider can
 * (a GitHub App's `GET /app`), then one access token minted and proved the way every probe proves it.
 * The account is the identity the provider names, or the client id (a Bitbucket consumer's key).
 */
export async function validateMachineIdentity(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  input: MachineInput,
  endpoints: MachineEndpoints = DEFAULT_MACHINE_ENDPOINTS,
): Promise<MachineValidation> {
  const report = (outcome: Outcome, minted?: MintedToken): MachineValidation => ({
    validation: { outcome, tokens: [{ position: 1, fingerprint: input.fingerprint, outcome }] },
    ...(minted ? { minted } : {}),
  });
  const found = minterFor(ctx, settings, input.root);
  if (!found.ok) return report(found.outcome);
  const { minter, settings: place } = found;
  // A root secret of another identity stops before any token.
  const named = await minter.identify?.(ctx, place, input.root);
  if (named && named.kind !== 'valid') return report(named);
  const minted = await minter.mint(ctx, place, input.root, endpoints);
  if (!minted.ok) return report(minted.outcome);
  const account = named?.identity ?? { id: input.root.kind === 'client_secret' ? input.root.clientId : '' };
  const { outcome, cloudId } = await minter.check(ctx, place, { accessToken: minted.minted.token }, account);
  if (outcome.kind !== 'valid') return report(outcome);
  const reason = minter.validated(ctx, place, outcome.identity, {
    minted: minted.minted,
    rootExpiresAt: input.expiresAt,
    ...(cloudId ? { cloudId } : {}),
  });
  return {
    ...report({ ...outcome, expiresAt: input.expiresAt, reason }, minted.minted),
    ...(cloudId ? { cloudId } : {}),
  };
}

/**
 * A probe of a machine identity: its current access token still does what it is for, as its kind proves
 * it (MINTERS), named as the stored identity where the provider's answer does not say.
 */
export async function checkAccessToken(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  held: HeldToken,
  identity: Identity,
): Promise<Outcome> {
  if (!settings) return notConfigured(ctx);
  return (await minterOf(settings).check(ctx, settings, held, identity)).outcome;
}
