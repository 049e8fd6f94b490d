import { CORE_SCHEMA, loadAll, YAMLException } from 'js-yaml';
import { authSpec, isProviderKey, PROVIDERS, providerSpec } from '../providers/registry.js';
import { isAuthKey, type AuthKey, type ProviderField } from '../providers/types.js';
import { parseConsumers, parseSinks } from './parse-delivery.js';
import { MACHINE_FIELD_KEYS, parseMachine } from './parse-machine.js';
import { parseRotation } from './parse-rotate.js';
import { parseSecureUrl } from '../domain/addresses.js';
import { entryField } from './schema.js';
import { ruleProblem } from '../rules.js';
import type { CatalogueEntry, CatalogueError, CatalogueResult } from './types.js';

const COMMON_KEYS = new Set(['id', 'name', 'provider', 'auth', 'channel', 'owners', 'deliver', 'rotate']);
const PROVIDER_FIELD_KEYS: readonly ProviderField[] = ['url', 'organization', 'service', 'account_id', 'repository'];
const SECRET_KEYS = /^(?:pat|password|credentials?)$|token|secret|api_?key/i;

/**
 * The YAML text as plain values: one document, YAML 1.2's core schema (no dates, no `<<` merges, `yes` is
 * a string), duplicate keys refused. js-yaml rather than the `yaml` package: 7× faster and a quarter of the
 * memory on a 10,000-entry catalogue (docs/performance.md), the same values for the core schema.
 */
function readYaml(text: string): { ok: true; root: unknown } | { ok: false; message: string } {
  try {
    const documents = loadAll(text, { schema: CORE_SCHEMA });
    if (documents.length > 1)
      return { ok: false, message: 'the file holds several YAML documents (separated by "---"); keep them in one.' };
    return { ok: true, root: documents[0] ?? null };
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const line = error.mark ? error.mark.line + 1 : '?';
    return { ok: false, message: `not valid YAML at line ${line}: ${error.reason}` };
  }
}

/**
 * Parses and validates integrations.yml text. Every problem is reported, each naming entry and field.
 * Relative file-sink paths resolve against `baseDir` (the catalogue's folder).
 */
export function parseCatalogue(text: string, baseDir: string = process.cwd()): CatalogueResult {
  const read = readYaml(text);
  if (!read.ok) return { ok: false, errors: [{ message: read.message }] };
  const root = read.root;
  if (root === null || root === undefined) return { ok: true, entries: [], consumers: [], warnings: [] };
  if (typeof root !== 'object' || Array.isArray(root)) {
    return { ok: false, errors: [{ message: 'the file must be a mapping with an "integrations" list.' }] };
  }
  const errors: CatalogueError[] = [];
  for (const key of Object.keys(root)) {
    if (key !== 'integrations' && key !== 'consumers')
      errors.push({ field: key, message: 'unknown top-level key; only "integrations" and "consumers" are allowed.' });
  }
  const rawList = (root as Record<string, unknown>).integrations;
  const list = rawList === undefined || rawList === null ? [] : rawList;
  if (!Array.isArray(list)) {
    return { ok: false, errors: [...errors, { field: 'integrations', message: 'must be a list of entries.' }] };
  }

  const entries: CatalogueEntry[] = [];
  const seen = new Map<string, number>();
  list.forEach((raw: unknown, index) => {
    const entry = parseEntry(raw, index, errors, baseDir);
    if (!entry) return;
    const first = seen.get(entry.id);
    if (first !== undefined) {
      errors.push({
        index,
        id: entry.id,
        field: 'id',
        message: `duplicate id; already used by integrations[${first}].`,
      });
      return;
    }
    seen.set(entry.id, index);
    entries.push(entry);
  });
  const ids = list
    .map((raw: unknown) => (raw && typeof raw === 'object' && 'id' in raw ? String((raw as { id: unknown }).id) : ''))
    .filter(Boolean);
  const {
    consumers,
    errors: consumerErrors,
    warnings,
  } = parseConsumers((root as Record<string, unknown>).consumers, ids);
  errors.push(...consumerErrors);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, entries, consumers, warnings };
}

function parseEntry(
  raw: unknown,
  index: number,
  errors: CatalogueError[],
  baseDir: string,
): CatalogueEntry | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push({ index, message: 'each entry must be a mapping (id, provider, auth, …).' });
    return undefined;
  }
  const fields = raw as Record<string, unknown>;
  const before = errors.length;
  const rawId = fields.id;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  const fail = (field: string, message: string) =>
    errors.push({ index, ...(id === undefined ? {} : { id }), field, message });

  const text = (field: string): string | undefined => {
    const value = fields[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      fail(field, 'must be a single text value.');
      return undefined;
    }
    const trimmed = String(value).trim();
    if (!trimmed) fail(field, 'must not be empty.');
    return trimmed || undefined;
  };

  const problem = (field: string, rule: keyof typeof entryField, value: unknown) => {
    const message = ruleProblem(entryField[rule], value);
    if (message) fail(field, message);
    return message === undefined;
  };

  if (id === undefined) fail('id', 'required.');
  else problem('id', 'id', id);

  const providerText = text('provider');
  const authText = text('auth');
  let provider: CatalogueEntry['provider'] | undefined;
  let auth: AuthKey | undefined;
  if (providerText === undefined) fail('provider', `required; one of ${Object.keys(PROVIDERS).join(', ')}.`);
  else if (!isProviderKey(providerText))
    fail('provider', `unknown provider "${providerText}"; one of ${Object.keys(PROVIDERS).join(', ')}.`);
  else provider = providerText;

  if (authText === undefined) fail('auth', 'required.');
  else if (!isAuthKey(authText)) fail('auth', `unknown auth type "${authText}".`);
  else auth = authText;

  if (provider && auth && !authSpec(provider, auth)) {
    fail(
      'auth',
      `${provider} does not support auth "${auth}"; it supports ${Object.keys(providerSpec(provider).auths).join(', ')}.`,
    );
    auth = undefined;
  }

  // Keys: common, the provider's own, nothing else (and never a credential).
  const spec = provider ? providerSpec(provider) : undefined;
  const machineSpec = provider && auth ? authSpec(provider, auth)?.machine : undefined;
  const allowedProviderFields = new Set<string>([
    ...(spec ? [...spec.requiredFields, ...spec.optionalFields] : PROVIDER_FIELD_KEYS),
    ...(machineSpec ? [...machineSpec.requiredFields, ...machineSpec.optionalFields] : []),
  ]);
  for (const key of Object.keys(fields)) {
    if (COMMON_KEYS.has(key) || allowedProviderFields.has(key)) continue;
    if ((MACHINE_FIELD_KEYS as readonly string[]).includes(key)) {
      fail(key, `not used by ${[provider, auth].filter(Boolean).join(' ') || 'this entry'}.`);
    } else if (SECRET_KEYS.test(key)) {
      fail(
        key,
        'credentials never go in this file; enter them in Slack with /reauth <id>, where they are validated and sealed.',
      );
    } else if ((PROVIDER_FIELD_KEYS as readonly string[]).includes(key)) {
      fail(key, `not used by provider ${provider}.`);
    } else {
      fail(key, `unknown key; allowed: ${[...COMMON_KEYS, ...allowedProviderFields].join(', ')}.`);
    }
  }

  const name = text('name');
  const channel = text('channel');
  if (channel !== undefined) problem('channel', 'channel', channel);

  const owners: string[] = [];
  const rawOwners = fields.owners;
  if (rawOwners !== undefined && rawOwners !== null) {
    if (!Array.isArray(rawOwners)) fail('owners', 'must be a list of Slack user ids (U…) or user-group ids (S…).');
    else {
      for (const owner of rawOwners) {
        const trimmed = typeof owner === 'string' ? owner.trim() : String(owner);
        if (problem('owners', 'owner', trimmed)) owners.push(trimmed);
      }
    }
  }

  const organization = text('organization');
  if (organization !== undefined) problem('organization', 'organization', organization);
  const service = text('service');
  if (service !== undefined) problem('service', 'service', service);
  const accountId = text('account_id');
  const repository = text('repository');
  if (repository !== undefined) problem('repository', 'repository', repository);

  const given: Partial<Record<ProviderField, string | undefined>> = {
    organization,
    service,
    account_id: accountId,
    repository,
    url: text('url'),
  };
  for (const field of spec?.requiredFields ?? []) {
    if (given[field] === undefined && !errors.some((e) => e.index === index && e.field === field)) {
      fail(field, `required for provider ${provider}.`);
    }
  }

  let url: string | undefined;
  const rawUrl = given.url ?? spec?.defaultUrl?.replace('{organization}', organization ?? '{organization}');
  if (rawUrl !== undefined && !rawUrl.includes('{organization}')) url = checkUrl(rawUrl, (m) => fail('url', m));

  const deliver = parseSinks(fields.deliver, fail, baseDir);
  if (deliver.length > 0 && provider && auth && authSpec(provider, auth)?.form.kind === 'unsupported') {
    fail('deliver', `${provider} ${auth} is an app integration: Reauth holds no credential for it to deliver.`);
  }

  const rotate = parseRotation(fields.rotate, provider, auth, fail);
  const machine = parseMachine(fields, machineSpec, `${provider} ${auth}`, fail, checkUrl);

  if (errors.length > before || !id || !provider || !auth || !url) return undefined;
  return {
    id,
    name: name ?? id,
    provider,
    auth,
    url,
    channel,
    owners,
    organization,
    service,
    accountId,
    repository,
    deliver,
    rotate,
    machine,
  };
}

function checkUrl(raw: string, fail: (message: string) => void): string | undefined {
  const parsed = parseSecureUrl(raw, fail, {
    notUrl: (r) => `"${r}" is not a URL; write it like https://acme.atlassian.net.`,
    plainHttp: (r) =>
      `"${r}" uses http://; credentials would travel unencrypted. Use https:// (http:// is allowed only for localhost, 127.0.0.1 and ::1).`,
    userInfo: 'must not contain a user name or password; credentials are entered through Slack.',
  });
  if (!parsed) return undefined;
  if (parsed.search || parsed.hash) {
    fail(`"${raw}" must not have a query string or fragment.`);
    return undefined;
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}
