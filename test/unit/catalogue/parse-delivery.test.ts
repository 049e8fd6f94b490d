import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../src/catalogue/parse.js';
import { formatCatalogueError } from '../../../src/catalogue/types.js';
import { deliveryConfigProblems } from '../../../src/services/delivery/config-check.js';

const HASH = 'a'.repeat(64);
const entry = (deliver: string) =>
  `integrations:\n  - id: jira-acme\n    provider: jira\n    auth: api_key\n    url: https://acme.atlassian.net\n    deliver:\n${deliver}\n`;
const errorsOf = (text: string) => {
  const result = parseCatalogue(text, '/etc/reauth');
  return result.ok ? [] : result.errors.map(formatCatalogueError);
};

describe('deliver: in integrations.yml', () => {
  it('reads each sink kind, with defaults, and resolves a relative file against the catalogue folder', () => {
    const result = parseCatalogue(
      entry(
        '      - webhook: https://insights.example/hooks/reauth\n        secret_env: INSIGHTS_WEBHOOK_SECRET\n      - webhook: http://127.0.0.1:9000/hook\n        secret_env: LOCAL_SECRET\n        include_credential: true\n      - vault: secret/data/insights/jira-acme\n      - file: secrets/jira-acme.json\n      - file: /run/secrets/jira-acme.json',
      ),
      '/etc/reauth',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entries[0]?.deliver).toEqual([
      {
        kind: 'webhook',
        url: 'https://insights.example/hooks/reauth',
        secretEnv: 'INSIGHTS_WEBHOOK_SECRET',
        includeCredential: false,
        key: 'webhook:https://insights.example/hooks/reauth',
      },
      {
        kind: 'webhook',
        url: 'http://127.0.0.1:9000/hook',
        secretEnv: 'LOCAL_SECRET',
        includeCredential: true,
        key: 'webhook:http://127.0.0.1:9000/hook',
      },
      { kind: 'vault', mount: 'secret', path: 'insights/jira-acme', key: 'vault:secret/data/insights/jira-acme' },
      { kind: 'file', path: '/etc/reauth/secrets/jira-acme.json', key: 'file:/etc/reauth/secrets/jira-acme.json' },
      { kind: 'file', path: '/run/secrets/jira-acme.json', key: 'file:/run/secrets/jira-acme.json' },
    ]);
  });

  it('names the entry and field of each sink that cannot work', () => {
    expect(errorsOf(entry('      - s3: bucket/key'))).toEqual([
      'integrations[0] (id "jira-acme"): deliver[0]: unknown sink kind "s3"; use one of webhook, vault or file.',
    ]);
    expect(errorsOf(entry('      - webhook: https://x.example/h'))).toEqual([
      'integrations[0] (id "jira-acme"): deliver[0].secret_env: required: the name of the environment variable holding the whsec_… signing secret.',
    ]);
    expect(errorsOf(entry('      - webhook: http://insights.example/h\n        secret_env: S'))[0]).toMatch(
      /deliver\[0\]\.webhook: "http:\/\/insights.example\/h" uses http:\/\/ to a host that is not loopback/,
    );
    expect(errorsOf(entry('      - vault: secret/insights/jira'))[0]).toMatch(
      /deliver\[0\]\.vault: .*not a KV v2 path; write it as \{mount\}\/data\/\{path\}/,
    );
    // Paths that would reach another place than they say: out of the mount, or cut at # or ?.
    for (const path of [
      '../../sys/data/x',
      'secret/data/../../sys/policy',
      'secret/data/app#team-b',
      'secret/data/app?x=1',
      'secret/data/a%2F..',
      'secret/data/./app',
      'sec ret/data/app',
    ]) {
      expect(errorsOf(entry(`      - vault: "${path}"`))[0], path).toMatch(
        /deliver\[0\]\.vault: .*cannot use here|deliver\[0\]\.vault: .*not a KV v2 path/,
      );
    }
    expect(errorsOf(entry('      - vault: kv-v2.team_a/data/app/jira-acme.v2'))).toEqual([]);
    expect(errorsOf(entry('      - file: /tmp/a\n        mode: "0644"'))[0]).toMatch(
      /deliver\[0\]\.mode: not an option of a file sink/,
    );
    expect(errorsOf(entry('      - file: /tmp/a\n      - file: /tmp/a'))[0]).toMatch(
      /deliver\[1\]\.file: the same file sink is listed twice/,
    );
    expect(
      errorsOf(entry('      - webhook: https://x.example/h\n        vault: secret/data/x\n        secret_env: S'))[0],
    ).toMatch(/names webhook and vault; each sink has exactly one kind/);
    expect(
      errorsOf(
        entry('      - webhook: https://x.example/h\n        secret_env: S\n        include_credential: "yes"'),
      )[0],
    ).toMatch(/include_credential: must be true or false/);
    expect(
      errorsOf(
        'integrations:\n  - { id: app, provider: jira, auth: connect_app, url: "https://a.atlassian.net", deliver: [{ file: /tmp/x }] }\n',
      )[0],
    ).toMatch(/app integration: Reauth holds no credential for it to deliver/);
  });

  it('stops start-up on an unset or malformed secret_env, and a vault sink without VAULT_ADDR', () => {
    const result = parseCatalogue(
      entry('      - webhook: https://x.example/h\n        secret_env: HOOK_SECRET\n      - vault: secret/data/x'),
      '/',
    );
    if (!result.ok) throw new Error('expected ok');
    expect(deliveryConfigProblems(result.entries, { secretFromEnv: () => undefined, vault: undefined })).toEqual([
      'integration "jira-acme": deliver[0].secret_env: HOOK_SECRET is not set; set it to the whsec_… signing secret the receiver shares.',
      'integration "jira-acme": deliver[1].vault: VAULT_ADDR and VAULT_TOKEN must be set for vault sinks.',
    ]);
    const good = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    expect(
      deliveryConfigProblems(result.entries, {
        secretFromEnv: (n) => (n === 'HOOK_SECRET' ? good : undefined),
        vault: { addr: 'x' },
      }),
    ).toEqual([]);
  });
});

describe('consumers: in integrations.yml', () => {
  const base =
    'integrations:\n  - { id: jira-acme, provider: jira, auth: api_key, url: "https://acme.atlassian.net" }\n  - { id: ado-boards, provider: azure_devops, auth: pat, organization: acme, service: boards }\n';

  it('reads consumers, lower-cases the hash, and warns about a glob that matches nothing', () => {
    const result = parseCatalogue(
      `${base}consumers:\n  - name: insights-ingest\n    token_sha256: ${HASH.toUpperCase()}\n    integrations: [jira-acme, "ado-*", "gitlab-*"]\n`,
    );
    expect(result).toMatchObject({
      ok: true,
      consumers: [
        {
          name: 'insights-ingest',
          tokenSha256: HASH,
          integrations: ['jira-acme', 'ado-*', 'gitlab-*'],
          requestsPerMinute: 120,
        },
      ],
    });
    expect(result.ok && result.warnings).toEqual([
      'consumers[0] (insights-ingest): "gitlab-*" matches no integration in the file.',
    ]);
  });

  it('names the consumer and field of each problem; a token never goes in the file', () => {
    const errors = errorsOf(
      `${base}consumers:\n  - name: a\n    token: plain-text-token\n    integrations: [jira-acme]\n  - name: a\n    token_sha256: ${HASH}\n    integrations: []\n  - name: b\n    token_sha256: ${HASH}\n    integrations: [jira-acme]\n    requests_per_minute: 0\n`,
    );
    expect(errors).toEqual([
      'consumers[0]: token: tokens never go in this file; put its SHA-256 in token_sha256 (npx reauth-bot consumer-token prints both).',
      "consumers[0]: token_sha256: required: the 64 hex characters of the token's SHA-256; npx reauth-bot consumer-token makes a token and prints both.",
      'consumers[1]: name: "a" is used by another consumer.',
      'consumers[1]: integrations: required: a list of integration ids or globs ("ado-*").',
      'consumers[2]: requests_per_minute: must be a whole number of at least 1.',
    ]);
  });
});
