import { CLIENTS } from '../providers/machine/clients.js';
import { authSpec } from '../providers/registry.js';
import type { Integration } from './types.js';

/** App integrations (Jira Connect app, GitHub App) hold no credential in Reauth; the health webhook speaks for them. */
export function isAppIntegration(integration: Pick<Integration, 'provider' | 'authType'>): boolean {
  return authSpec(integration.provider, integration.authType)?.form.kind === 'unsupported';
}

/** Machine identities (SPEC §12): a root secret Reauth mints short-lived access tokens from. */
export function isMachineIdentity(integration: Pick<Integration, 'provider' | 'authType'>): boolean {
  const machine = authSpec(integration.provider, integration.authType)?.machine;
  return machine !== undefined && machine.mints !== false;
}

/**
 * A credential whose end date only the person knows (they enter it: a service principal's secret, a
 * Bitbucket access token): a probe never overwrites it with the provider's silence.
 */
export function expiryIsEntered(integration: Pick<Integration, 'provider' | 'authType'>): boolean {
  const form = authSpec(integration.provider, integration.authType)?.form;
  return (
    (form?.kind === 'token' && form.expiryHint !== undefined) ||
    (form?.kind === 'machine' && form.root === 'client_secret' && CLIENTS[form.client].endDate !== undefined)
  );
}

/** Integrations grouped by the credential they share (an Azure DevOps organization's), in first-seen order. */
export function credentialGroups(integrations: readonly Integration[]): Integration[][] {
  const groups = new Map<string, Integration[]>();
  for (const integration of integrations)
    groups.set(integration.credentialKey, [...(groups.get(integration.credentialKey) ?? []), integration]);
  return [...groups.values()];
}

/** Integrations sharing a credential share one alert. */
export const alertKeyOf = (integration: Pick<Integration, 'credentialKey'>): string => integration.credentialKey;

/** The integration fields a credential is bound to. */
export type BindingFields = Pick<Integration, 'provider' | 'authType' | 'url' | 'organization' | 'accountId'> &
  Partial<Pick<Integration, 'machine'>>;

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Where a machine identity is (its App and installation, its tenant and authority), as bound; null for others. */
function machineBinding(machine: Integration['machine'] | undefined): string[] | null {
  if (!machine) return null;
  if (machine.kind === 'github_app') return [machine.kind, machine.appId, machine.installationId];
  if (machine.kind === 'bitbucket') return [machine.kind, machine.workspace.toLowerCase()];
  // The cloud id is the site's (url, already bound): whether integrations.yml names it or Reauth found it is no change.
  if (machine.kind === 'atlassian') return [machine.kind, originOf(machine.authUrl), originOf(machine.apiUrl)];
  return [machine.kind, machine.tenantId.toLowerCase(), originOf(machine.authority)];
}

/**
 * What a credential is validated against: provider, auth type, the URL's origin, organization and
 * account — and a machine identity's App and installation or tenant and authority. A catalogue edit that
 * changes any of them retires the credential, and the binding is part of the sealing context, so a
 * credential cannot be unsealed for another place. (The machine part is appended only where there is
 * one: every other credential's binding stays what it was.)
 */
export function bindingOf(integration: BindingFields): string {
  const machine = machineBinding(integration.machine);
  return JSON.stringify([
    integration.provider,
    integration.authType,
    originOf(integration.url),
    integration.organization?.toLowerCase() ?? null,
    integration.accountId ?? null,
    ...(machine ? [machine] : []),
  ]);
}

/** Why a binding changed, in the words shown to people ("its URL changed"). */
export function bindingChange(before: BindingFields, after: BindingFields): string | undefined {
  if (before.provider !== after.provider) return `its provider changed from ${before.provider} to ${after.provider}`;
  if (before.authType !== after.authType) return `its auth type changed from ${before.authType} to ${after.authType}`;
  if (originOf(before.url) !== originOf(after.url))
    return `its URL changed from ${originOf(before.url)} to ${originOf(after.url)}`;
  if ((before.organization?.toLowerCase() ?? null) !== (after.organization?.toLowerCase() ?? null))
    return 'its organization changed';
  if ((before.accountId ?? null) !== (after.accountId ?? null)) return 'its account changed';
  if (JSON.stringify(machineBinding(before.machine)) !== JSON.stringify(machineBinding(after.machine)))
    return {
      entra: 'its tenant or authority changed',
      bitbucket: 'its workspace changed',
      atlassian: "Atlassian's token endpoint or API gateway changed",
      github_app: 'its App or installation changed',
    }[(before.machine ?? after.machine)?.kind ?? 'github_app'];
  return undefined;
}

/** "It also serves …" for a credential shared by several integrations (an Azure DevOps organization); empty otherwise. */
export function alsoServes(
  affected: readonly Pick<Integration, 'id' | 'name'>[],
  integration: Pick<Integration, 'id'>,
): string {
  const others = affected.filter((a) => a.id !== integration.id).map((a) => a.name);
  return others.length > 0 ? ` It also serves ${others.join(', ')}.` : '';
}
