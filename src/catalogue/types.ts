import { providerSpec } from '../providers/registry.js';
import type { ConsumerSpec, SinkSpec } from '../domain/delivery.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';
import type { RotationPolicy } from '../domain/rotation.js';
import type { MachineSettings } from '../providers/machine/settings.js';

/** One validated catalogue entry, with defaults applied. */
export interface CatalogueEntry {
  id: string;
  name: string;
  provider: ProviderKey;
  auth: AuthKey;
  /** Base URL without a trailing slash (provider default applied). */
  url: string;
  channel: string | undefined;
  owners: string[];
  organization: string | undefined;
  service: string | undefined;
  accountId: string | undefined;
  repository: string | undefined;
  /** Where a new credential is pushed, in the file's order. */
  deliver: SinkSpec[];
  /** `rotate:`: Reauth renews the credential itself before it expires; undefined when off. */
  rotate: RotationPolicy | undefined;
  /** A machine identity's place at its provider (SPEC §12); undefined for other auth types. */
  machine: MachineSettings | undefined;
}

export interface CatalogueError {
  /** The list the entry is in; `integrations` when unset. */
  list?: 'integrations' | 'consumers';
  /** Position in the list, when the problem is in one entry. */
  index?: number;
  id?: string;
  field?: string;
  message: string;
}

export type CatalogueResult =
  | {
      ok: true;
      entries: CatalogueEntry[];
      consumers: ConsumerSpec[] /** Worth logging, not fatal (a consumer glob that matches nothing). */;
      warnings: string[];
    }
  | { ok: false; errors: CatalogueError[] };

/** Integrations sharing this key share one credential: Azure DevOps organizations. */
export function credentialKeyOf(entry: Pick<CatalogueEntry, 'id' | 'provider' | 'auth' | 'organization'>): string {
  if (providerSpec(entry.provider).sharesCredentialBy === 'organization' && entry.organization) {
    return `${entry.provider}:${entry.organization.toLowerCase()}:${entry.auth}`;
  }
  return `integration:${entry.id}`;
}

export function formatCatalogueError(error: CatalogueError): string {
  const where =
    error.index === undefined
      ? ''
      : `${error.list ?? 'integrations'}[${error.index}]${error.id ? ` (id "${error.id}")` : ''}: `;
  return `${where}${error.field ? `${error.field}: ` : ''}${error.message}`;
}
