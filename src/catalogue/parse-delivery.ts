import { isAbsolute, resolve } from 'node:path';
import picomatch from 'picomatch';
import {
  DEFAULT_CONSUMER_REQUESTS_PER_MINUTE,
  sinkKeyOf,
  type ConsumerSpec,
  type SinkSpec,
} from '../domain/delivery.js';
import { consumerField, sinkField } from './schema.js';
import { ruleProblem } from '../rules.js';
import { parseSecureUrl } from '../domain/addresses.js';
import type { CatalogueError } from './types.js';

/** `deliver:` and `consumers:` of integrations.yml: where credentials go, and who may pull them. */

type Fail = (field: string, message: string) => void;

const SINK_KINDS = ['webhook', 'vault', 'file'] as const;
const SINK_OPTIONS: Record<(typeof SINK_KINDS)[number], readonly string[]> = {
  webhook: ['secret_env', 'include_credential'],
  vault: [],
  file: [],
};

/** The sinks of one integration; every problem is reported through `fail` as `deliver[i].field`. */
export function parseSinks(raw: unknown, fail: Fail, baseDir: string): SinkSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    fail('deliver', 'must be a list of sinks, each "webhook: <url>", "vault: <mount>/data/<path>" or "file: <path>".');
    return [];
  }
  const sinks: SinkSpec[] = [];
  raw.forEach((item: unknown, i) => {
    const where = `deliver[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      fail(where, 'must be a mapping with one of webhook, vault or file.');
      return;
    }
    const fields = item as Record<string, unknown>;
    const kinds = SINK_KINDS.filter((k) => k in fields);
    if (kinds.length !== 1) {
      const unknown = Object.keys(fields).filter((k) => !Object.values(SINK_OPTIONS).flat().includes(k));
      fail(
        where,
        kinds.length === 0
          ? `unknown sink kind${unknown.length ? ` "${unknown.join('", "')}"` : ''}; use one of webhook, vault or file.`
          : `names ${kinds.join(' and ')}; each sink has exactly one kind.`,
      );
      return;
    }
    const kind = kinds[0]!;
    for (const key of Object.keys(fields)) {
      if (key !== kind && !SINK_OPTIONS[kind].includes(key))
        fail(
          `${where}.${key}`,
          `not an option of a ${kind} sink${SINK_OPTIONS[kind].length ? `; it takes ${SINK_OPTIONS[kind].join(', ')}` : ''}.`,
        );
    }
    const target = fields[kind];
    if (typeof target !== 'string' || !target.trim()) {
      fail(
        `${where}.${kind}`,
        kind === 'webhook'
          ? 'must be the https:// URL to post to.'
          : kind === 'vault'
            ? 'must be a KV v2 path, {mount}/data/{path}.'
            : 'must be the path of the file to write.',
      );
      return;
    }
    const sink = parseSink(
      kind,
      target.trim(),
      fields,
      (field, message) => fail(`${where}.${field}`, message),
      baseDir,
    );
    if (!sink) return;
    if (sinks.some((s) => s.key === sink.key)) {
      fail(`${where}.${kind}`, `the same ${kind} sink is listed twice.`);
      return;
    }
    sinks.push(sink);
  });
  return sinks;
}

function parseSink(
  kind: (typeof SINK_KINDS)[number],
  target: string,
  fields: Record<string, unknown>,
  fail: Fail,
  baseDir: string,
): SinkSpec | undefined {
  if (kind === 'webhook') {
    const url = checkSinkUrl(target, (m) => fail('webhook', m));
    const secretEnv = fields.secret_env;
    let ok = url !== undefined;
    const include = fields.include_credential ?? false;
    for (const [field, rule, value] of [
      ['secret_env', sinkField.secret_env, secretEnv],
      ['include_credential', sinkField.include_credential, include],
    ] as const) {
      const problem = ruleProblem(rule, value);
      if (problem) {
        fail(field, problem);
        ok = false;
      }
    }
    if (!ok) return undefined;
    const spec = { kind, url: url!, secretEnv: secretEnv as string, includeCredential: include as boolean };
    return { ...spec, key: sinkKeyOf(spec) };
  }
  if (kind === 'vault') {
    const spec = parseVaultPath(target, (m) => fail('vault', m));
    return spec && { ...spec, key: sinkKeyOf(spec) };
  }
  const path = isAbsolute(target) ? target : resolve(baseDir, target);
  if (path.endsWith('/')) {
    fail('file', `"${target}" is a folder; name the file to write.`);
    return undefined;
  }
  const spec = { kind, path };
  return { ...spec, key: sinkKeyOf(spec) };
}

/**
 * A Vault path segment: letters, digits, `-`, `_` and `.`, but never `.` or `..` alone. Anything else
 * is refused rather than sent: `..` would climb out of the mount (`../../sys`), `#` or `?` would cut
 * the URL (`secret/data/app#team-b` became `secret/data/app`, so two sinks wrote one secret), and `%`
 * or spaces would be decoded into something else by Vault's router.
 */
const VAULT_SEGMENT = /^[A-Za-z0-9_.-]+$/;

function parseVaultPath(
  target: string,
  fail: (message: string) => void,
): { kind: 'vault'; mount: string; path: string } | undefined {
  const example = 'write it as {mount}/data/{path}, e.g. secret/data/insights/jira-acme';
  const split = /^(.+?)\/data\/(.+)$/.exec(target.replace(/^\/+|\/+$/g, ''));
  if (!split) {
    fail(`"${target}" is not a KV v2 path; ${example}.`);
    return undefined;
  }
  const [, mount, path] = split as unknown as [string, string, string];
  const bad = [...mount.split('/'), ...path.split('/')].find(
    (segment) => !VAULT_SEGMENT.test(segment) || segment === '.' || segment === '..',
  );
  if (bad !== undefined) {
    fail(
      `"${target}" has the segment "${bad}", which a Vault path cannot use here: each part between slashes takes letters, digits, "-", "_" and "." (never "." or ".." alone, no "#", "?", "%" or spaces); ${example}.`,
    );
    return undefined;
  }
  return { kind: 'vault', mount, path };
}

/** https://, or http:// to a loopback host only: a credential never crosses a network in the clear. */
function checkSinkUrl(raw: string, fail: (message: string) => void): string | undefined {
  return parseSecureUrl(raw, fail, {
    notUrl: (r) => `"${r}" is not a URL.`,
    plainHttp: (r) =>
      `"${r}" uses http:// to a host that is not loopback; use https:// (http:// is allowed only for localhost, 127.0.0.1 and ::1).`,
    userInfo: 'must not contain a user name or password; the signature authenticates each delivery.',
  })?.href;
}

/** The consumers list; errors name `consumers[i]` and the field. Warnings: patterns that match no integration. */
export function parseConsumers(
  raw: unknown,
  integrationIds: readonly string[],
): { consumers: ConsumerSpec[]; errors: CatalogueError[]; warnings: string[] } {
  const errors: CatalogueError[] = [];
  const warnings: string[] = [];
  const consumers: ConsumerSpec[] = [];
  const names = new Set<string>();
  if (raw === undefined || raw === null) return { consumers, errors, warnings };
  if (!Array.isArray(raw))
    return {
      consumers,
      errors: [{ field: 'consumers', message: 'must be a list of consumers (name, token_sha256, integrations).' }],
      warnings,
    };
  raw.forEach((item: unknown, index) => {
    const fail = (field: string | undefined, message: string) =>
      errors.push({ list: 'consumers', index, ...(field ? { field } : {}), message });
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      fail(undefined, 'each consumer must be a mapping with name, token_sha256 and integrations.');
      return;
    }
    const fields = item as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!['name', 'token_sha256', 'integrations', 'requests_per_minute'].includes(key))
        fail(
          key,
          key === 'token'
            ? 'tokens never go in this file; put its SHA-256 in token_sha256 (npx reauth-bot consumer-token prints both).'
            : 'unknown key; allowed: name, token_sha256, integrations, requests_per_minute.',
        );
    }
    const {
      name,
      token_sha256: hash,
      integrations: patterns,
      requests_per_minute: perMinute = DEFAULT_CONSUMER_REQUESTS_PER_MINUTE,
    } = fields;
    const before = errors.length;
    const nameProblem = ruleProblem(consumerField.name, name);
    if (nameProblem) fail('name', nameProblem);
    else if (names.has(name as string)) fail('name', `"${name}" is used by another consumer.`);
    if (typeof name === 'string') names.add(name);
    const hashProblem = ruleProblem(consumerField.token_sha256, hash);
    if (hashProblem) fail('token_sha256', hashProblem);
    else if (consumers.some((c) => c.tokenSha256 === (hash as string).toLowerCase()))
      fail('token_sha256', 'the same token is given to another consumer; give each its own.');
    const patternsProblem = ruleProblem(consumerField.integrations, patterns);
    if (patternsProblem) fail('integrations', patternsProblem);
    const perMinuteProblem = ruleProblem(consumerField.requests_per_minute, perMinute);
    if (perMinuteProblem) fail('requests_per_minute', perMinuteProblem);
    if (errors.length > before) return;
    const consumer: ConsumerSpec = {
      name: name as string,
      tokenSha256: (hash as string).toLowerCase(),
      integrations: patterns as string[],
      requestsPerMinute: perMinute as number,
    };
    for (const pattern of consumer.integrations) {
      const matches = picomatch(pattern);
      if (!integrationIds.some((id) => matches(id)))
        warnings.push(`consumers[${index}] (${consumer.name}): "${pattern}" matches no integration in the file.`);
    }
    consumers.push(consumer);
  });
  return { consumers, errors, warnings };
}
