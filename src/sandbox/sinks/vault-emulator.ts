import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from '../providers/http-utils.js';

/**
 * A loopback HashiCorp Vault with KV v2 secrets engines, as far as Reauth uses it
 * (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2): read and create/update at
 * `/v1/{mount}/data/{path}`, version numbers from 1, check-and-set (`options.cas`: 0 = only if absent,
 * N = only if the current version is N; a mismatch is a 400), `X-Vault-Token` (403 "permission denied"
 * otherwise) and `X-Vault-Namespace` (a token belongs to one namespace).
 */

export interface VaultSecretVersion {
  version: number;
  data: Record<string, unknown>;
  createdTime: string;
}

export interface VaultRequest {
  method: string;
  path: string;
  namespace: string | undefined;
  token: string | undefined;
  body: unknown;
  status: number;
}

export interface VaultEmulator {
  readonly url: string;
  /** Allows a token, in a namespace (none: the root namespace). */
  addToken(token: string, namespace?: string): void;
  /** Enables a KV v2 engine at a mount path ("secret" is enabled from the start). */
  enableKv(mount: string): void;
  /** Every version of a secret, oldest first. */
  versions(mount: string, path: string, namespace?: string): VaultSecretVersion[];
  /** The current data of a secret, if any. */
  read(mount: string, path: string, namespace?: string): Record<string, unknown> | undefined;
  /** Writes a version as another client would (moves the version on). */
  write(mount: string, path: string, data: Record<string, unknown>, namespace?: string): void;
  /** While down, every request is answered 503 (sealed or unreachable Vault). */
  setDown(down: boolean): void;
  readonly requests: VaultRequest[];
  close(): Promise<void>;
}

export async function startVaultEmulator(options: { port?: number } = {}): Promise<VaultEmulator> {
  const tokens = new Map<string, string>(); // token → namespace ('' = root)
  const mounts = new Set<string>(['secret']);
  const secrets = new Map<string, VaultSecretVersion[]>(); // namespace \0 mount \0 path
  const requests: VaultRequest[] = [];
  let down = false;
  const keyOf = (namespace: string | undefined, mount: string, path: string) =>
    `${namespace ?? ''}\u0000${mount}\u0000${path}`;

  function write(key: string, data: Record<string, unknown>): VaultSecretVersion {
    const list = secrets.get(key) ?? [];
    const version = { version: (list.at(-1)?.version ?? 0) + 1, data, createdTime: new Date().toISOString() };
    secrets.set(key, [...list, version]);
    return version;
  }

  const metadataOf = (v: VaultSecretVersion) => ({
    created_time: v.createdTime,
    custom_metadata: null,
    deletion_time: '',
    destroyed: false,
    version: v.version,
  });
  const envelope = (data: unknown) => ({
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  });

  let lastBody: unknown;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    lastBody = undefined;
    if (down) {
      sendJson(res, 503, { errors: ['Vault is sealed'] });
      return 503;
    }
    const url = new URL(req.url ?? '/', 'http://vault');
    const token = typeof req.headers['x-vault-token'] === 'string' ? req.headers['x-vault-token'] : undefined;
    const namespace =
      typeof req.headers['x-vault-namespace'] === 'string'
        ? req.headers['x-vault-namespace'].replace(/^\/+|\/+$/g, '')
        : undefined;
    if (!token || !tokens.has(token) || tokens.get(token) !== (namespace ?? '')) {
      sendJson(res, 403, { errors: ['permission denied'] });
      return 403;
    }
    const match = /^\/v1\/(.+?)\/data\/(.+)$/.exec(url.pathname);
    if (!match || !mounts.has(match[1]!)) {
      sendJson(res, 404, {
        errors: [`no handler for route "${url.pathname.replace(/^\/v1\//, '')}". route entry not found.`],
      });
      return 404;
    }
    const key = keyOf(namespace, match[1]!, match[2]!);
    const current = secrets.get(key)?.at(-1);
    if (req.method === 'GET') {
      if (!current) {
        sendJson(res, 404, { errors: [] });
        return 404;
      }
      sendJson(res, 200, envelope({ data: current.data, metadata: metadataOf(current) }));
      return 200;
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      let body: { options?: { cas?: unknown }; data?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
        lastBody = body;
      } catch {
        sendJson(res, 400, { errors: ['failed to parse JSON input'] });
        return 400;
      }
      if (!body.data || typeof body.data !== 'object' || Array.isArray(body.data)) {
        sendJson(res, 400, { errors: ['no data provided'] });
        return 400;
      }
      const cas = body.options?.cas;
      if (cas !== undefined && (typeof cas !== 'number' || cas !== (current?.version ?? 0))) {
        sendJson(res, 400, { errors: ['check-and-set parameter did not match the current version'] });
        return 400;
      }
      const written = write(key, body.data as Record<string, unknown>);
      sendJson(res, 200, envelope(metadataOf(written)));
      return 200;
    }
    sendJson(res, 405, { errors: ['unsupported operation'] });
    return 405;
  }

  const server = createServer((req, res) => {
    void handle(req, res)
      .then((status) => {
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          namespace: req.headers['x-vault-namespace'] as string | undefined,
          token: req.headers['x-vault-token'] as string | undefined,
          body: lastBody,
          status,
        });
      })
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, { errors: ['internal error'] });
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    addToken: (token, namespace) => void tokens.set(token, namespace ?? ''),
    enableKv: (mount) => void mounts.add(mount),
    versions: (mount, path, namespace) => [...(secrets.get(keyOf(namespace, mount, path)) ?? [])],
    read: (mount, path, namespace) => secrets.get(keyOf(namespace, mount, path))?.at(-1)?.data,
    write: (mount, path, data, namespace) => void write(keyOf(namespace, mount, path), data),
    setDown: (value) => void (down = value),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
