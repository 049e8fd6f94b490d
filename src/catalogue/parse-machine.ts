import {
  DEFAULT_ATLASSIAN_API_URL,
  DEFAULT_ATLASSIAN_AUTH_URL,
  DEFAULT_ENTRA_AUTHORITY,
  type MachineSettings,
} from '../providers/machine/settings.js';
import type { MachineField, MachineSpec } from '../providers/types.js';
import { ruleProblem } from '../rules.js';
import { entryField } from './schema.js';

type Fail = (field: string, message: string) => void;

/**
 * Where a machine identity lives (SPEC §12), from its entry: `app_id` and `installation_id` of a GitHub
 * App; `tenant_id` (and `authority`, default Microsoft's public cloud) of an Entra service principal;
 * `workspace` of a Bitbucket consumer or access token; `cloud_id` (optional), `auth_url` and `api_url`
 * (Atlassian's by default) of an Atlassian service account.
 * Each is checked by its rule; `checkUrl` reads an authority as it reads `url`.
 */
export function parseMachine(
  fields: Record<string, unknown>,
  spec: MachineSpec | undefined,
  providerAuth: string,
  fail: Fail,
  checkUrl: (raw: string, fail: (message: string) => void) => string | undefined,
): MachineSettings | undefined {
  if (!spec) return undefined;
  const read = (field: MachineField): string | undefined => {
    const value = fields[field];
    if (value === undefined || value === null) {
      if (spec.requiredFields.includes(field)) fail(field, `required for ${providerAuth}.`);
      return undefined;
    }
    // An authority or endpoint is read as a URL (below), with the URL's own sentences.
    const problem = URL_FIELDS.includes(field)
      ? undefined
      : ruleProblem(entryField[field], typeof value === 'string' ? value.trim() : value);
    if (problem) {
      fail(field, problem);
      return undefined;
    }
    return String(value).trim();
  };
  if (spec.minter === 'github_app') {
    const appId = read('app_id');
    const installationId = read('installation_id');
    return appId && installationId ? { kind: 'github_app', appId, installationId } : undefined;
  }
  const urlOf = (field: MachineField, fallback: string) =>
    checkUrl(read(field) ?? fallback, (message) => fail(field, message));
  if (spec.minter === 'atlassian') {
    const authUrl = urlOf('auth_url', DEFAULT_ATLASSIAN_AUTH_URL);
    const apiUrl = urlOf('api_url', DEFAULT_ATLASSIAN_API_URL);
    const cloudId = fields.cloud_id === undefined || fields.cloud_id === null ? null : read('cloud_id');
    return authUrl && apiUrl && cloudId !== undefined
      ? { kind: 'atlassian', authUrl, apiUrl, cloudId: cloudId ?? null }
      : undefined;
  }
  if (spec.minter === 'bitbucket') {
    const workspace = read('workspace');
    return workspace ? { kind: 'bitbucket', workspace } : undefined;
  }
  const tenantId = read('tenant_id');
  const authority = urlOf('authority', DEFAULT_ENTRA_AUTHORITY);
  return tenantId && authority ? { kind: 'entra', tenantId, authority } : undefined;
}

/** Every catalogue field some machine identity uses: a key that is not another provider's unknown. */
export const MACHINE_FIELD_KEYS: readonly MachineField[] = [
  'app_id',
  'installation_id',
  'tenant_id',
  'authority',
  'workspace',
  'cloud_id',
  'auth_url',
  'api_url',
];

/** Fields read as URLs, with the URL's own sentences. */
const URL_FIELDS: readonly MachineField[] = ['authority', 'auth_url', 'api_url'];
