import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CORE_SCHEMA, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../../../src/providers/http.js';
import { parseMachineInput } from '../../../src/providers/machine/input.js';
import { checkApp, checkInstallationToken, mintInstallationToken } from '../../../src/providers/machine/github-app.js';
import { readPrivateKey } from '../../../src/providers/machine/private-key.js';
import { validateMachineIdentity } from '../../../src/providers/machine/validate.js';
import { createValidationContext } from '../../../src/providers/validate.js';
import { startProviderEmulator, type ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { contextFor, testHttpClient } from '../../helpers/providers.js';

/**
 * Reauth's GitHub App requests against GitHub's own API description (test/fixtures/github-openapi.yaml: a
 * verbatim fragment of @octokit/openapi, generated from github/rest-api-description): every request is a
 * documented operation, with its documented parameters, media type and API version, and a JWT where the
 * operation says "You must use a JWT"; and GitHub's own documented example answers are read as Reauth
 * expects (an App, an installation token, a page of repositories).
 */

type Operation = {
  parameters?: { $ref?: string; name?: string; in?: string }[];
  responses: Record<
    string,
    { content?: Record<string, { examples?: Record<string, { $ref?: string; value?: unknown }> }> }
  >;
  description?: string;
};
type Spec = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    parameters: Record<string, { name: string; in: string }>;
    examples: Record<string, { value: unknown }>;
  };
};

const spec = load(readFileSync('test/fixtures/github-openapi.yaml', 'utf8'), { schema: CORE_SCHEMA }) as Spec;
const APP_OPERATIONS = ['/app', '/app/installations/{installation_id}/access_tokens', '/installation/repositories'];
const JWT_RULE = /You must use a \[JWT\]/;

const refName = (ref: string) => ref.split('/').pop() ?? '';

/** The documented operation a request is, by method and path template. */
function operationOf(method: string, path: string): { template: string; operation: Operation } | undefined {
  for (const [template, methods] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = methods[method.toLowerCase()];
    if (operation && pattern.test(path)) return { template, operation };
  }
  return undefined;
}

const queryParameters = (operation: Operation): string[] =>
  (operation.parameters ?? [])
    .map((p) => (p.$ref ? spec.components.parameters[refName(p.$ref)] : p))
    .filter((p): p is { name: string; in: string } => p?.in === 'query')
    .map((p) => p.name);

/** A documented example answer of an operation (its first success response). */
function exampleAnswer(template: string, method: string): { status: number; body: unknown } {
  const operation = spec.paths[template]?.[method] as Operation;
  const [status, response] = Object.entries(operation.responses).find(([code]) => code.startsWith('2')) ?? [];
  const example = Object.values(response?.content?.['application/json']?.examples ?? {})[0];
  const body = example?.$ref ? spec.components.examples[refName(example.$ref)]?.value : example?.value;
  return { status: Number(status), body };
}

describe("GitHub App requests against GitHub's OpenAPI description", () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    http = testHttpClient();
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.close();
  });

  it('the description holds the three App operations, and the two JWT ones say so', () => {
    for (const template of APP_OPERATIONS) expect(Object.keys(spec.paths)).toContain(template);
    expect(spec.paths['/app']?.get?.description).toMatch(JWT_RULE);
    expect(spec.paths['/app/installations/{installation_id}/access_tokens']?.post?.description).toMatch(JWT_RULE);
    expect(spec.paths['/installation/repositories']?.get?.description).not.toMatch(JWT_RULE);
  });

  it.each([
    ['github', undefined, 11],
    ['github_actions', 'acme/api', 12],
  ] as const)(
    '%s: every request of a validation is a documented operation, sent as documented',
    async (provider, repository, appId) => {
      const pem = emulator.githubApps.add({
        id: appId,
        clientId: `Iv23li${provider}`,
        name: 'Conformance',
        slug: 'conformance',
        installations: { '5': { account: 'acme', repositories: ['acme/api'] } },
      });
      emulator.clearRequests();
      const parsed = parseMachineInput(
        { kind: 'machine', root: 'private_key', hint: '' },
        { private_key: pem },
        new Date(),
      );
      if (!parsed.ok) throw new Error(parsed.outcome.reason);
      const ctx = contextFor(emulator, http, provider, 'app_installation', repository ? { repository } : {});
      const { validation } = await validateMachineIdentity(
        ctx,
        { kind: 'github_app', appId: String(appId), installationId: '5' },
        parsed.input,
      );
      expect(validation.outcome.kind).toBe('valid');
      const requests = emulator.requests.filter((r) => r.mount === '/github');
      expect(requests.map((r) => `${r.method} ${r.path.slice('/github'.length)}`)).toEqual([
        'GET /app',
        'POST /app/installations/5/access_tokens',
        repository ? `GET /repos/${repository}/actions/runs` : 'GET /installation/repositories',
      ]);
      for (const request of requests) {
        const path = request.path.slice('/github'.length);
        expect(request.headers.accept).toBe('application/vnd.github+json');
        expect(request.headers['x-github-api-version']).toBe('2022-11-28');
        const found = operationOf(request.method, path);
        // A repository's workflow runs (the PAT rows' check) is outside this fragment of the description.
        if (!found) continue;
        for (const name of Object.keys(request.query)) expect(queryParameters(found.operation)).toContain(name);
        const jwt = JWT_RULE.test(found.operation.description ?? '');
        expect(request.headers.authorization).toMatch(jwt ? /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/ : /^Bearer ghs_/);
        // The token request's body is optional; Reauth sends none, so the token gets the whole installation.
        expect(request.body).toBe('');
      }
    },
  );
});

describe("GitHub's own documented answers, as Reauth reads them", () => {
  let server: Server;
  let http: HttpClient;
  let url = '';
  beforeAll(async () => {
    http = testHttpClient();
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const found = operationOf(req.method ?? 'GET', path);
      if (!found) return void res.writeHead(404).end('{"message":"Not Found"}');
      const answer = exampleAnswer(found.template, (req.method ?? 'GET').toLowerCase());
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await http?.close();
    await new Promise((ok) => server.close(ok));
  });

  it('the App, the installation token and the page of repositories of the examples', async () => {
    const app = exampleAnswer('/app', 'get').body as { id: number; name: string; slug: string };
    const ctx = createValidationContext(
      { id: 'gh', provider: 'github', auth: 'app_installation', url },
      http,
      () => new Date('2016-07-11T21:14:10Z'),
    );
    const key = readPrivateKey(
      generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString(),
    );
    if (!key.ok) throw new Error('bad key');
    const settings = { kind: 'github_app' as const, appId: String(app.id), installationId: '1' };
    expect(await checkApp(ctx, key.key, settings)).toMatchObject({
      kind: 'valid',
      identity: { id: String(app.id), name: app.name, username: app.slug },
    });
    const example = exampleAnswer('/app/installations/{installation_id}/access_tokens', 'post');
    expect(example.status).toBe(201);
    const token = example.body as { token: string; expires_at: string };
    expect(await mintInstallationToken(ctx, key.key, settings)).toEqual({
      ok: true,
      minted: { token: token.token, expiresAt: new Date(token.expires_at) },
    });
    expect(await checkInstallationToken(ctx, token.token)).toBeUndefined();
  });
});
