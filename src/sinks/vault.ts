import type { HttpClient, HttpResult } from '../providers/http.js';
import type { SinkSender } from './types.js';

/**
 * HashiCorp Vault KV v2 sinks. Each write uses check-and-set with the version just read, so a
 * concurrent writer is never overwritten blindly: `POST /v1/{mount}/data/{path}` with
 * `{"options":{"cas":N},"data":{…}}`; a 400 "check-and-set parameter did not match" means the secret
 * moved on, so it is read again and retried
 * (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#create-update-secret).
 * A 403 is a token or policy problem: shown to people, not retried every few seconds.
 */

export interface VaultSettings {
  addr: string;
  token: string;
  namespace: string | undefined;
}

const CAS_RETRIES = 3;

function errorsOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(parsed.errors) && parsed.errors.length)
      return parsed.errors
        .filter((e) => typeof e === 'string')
        .join('; ')
        .slice(0, 300);
  } catch {
    // not JSON
  }
  return '';
}

/** What is in the secret now: its KV version (0 when none) and the Reauth version it holds, if any. */
type Current =
  | { kind: 'current'; version: number; reauthVersion: number | null; fingerprint: unknown }
  | { kind: 'failed'; error: string; needsAttention: boolean };

export function createVaultSender(http: HttpClient, settings: () => VaultSettings | undefined): SinkSender<'vault'> {
  return async (spec, message, signal) => {
    const vault = settings();
    if (!vault)
      return {
        ok: false,
        error: 'VAULT_ADDR and VAULT_TOKEN are not set; set them and restart.',
        needsAttention: true,
      };
    const url = new URL(`v1/${spec.mount}/data/${spec.path}`, vault.addr.endsWith('/') ? vault.addr : `${vault.addr}/`);
    const headers: Record<string, string> = {
      'x-vault-token': vault.token,
      accept: 'application/json',
      ...(vault.namespace ? { 'x-vault-namespace': vault.namespace } : {}),
    };
    const where = `${spec.mount}/data/${spec.path}`;

    const refused = (result: HttpResult, doing: string): { ok: false; error: string; needsAttention: boolean } => {
      if (result.kind === 'network_error')
        return { ok: false, error: `Vault is unreachable (${result.reason})`, needsAttention: false };
      const { status, body } = result.response;
      const detail = errorsOf(body);
      if (status === 403)
        return {
          ok: false,
          error: `Vault refused the token (403) while ${doing} ${where}: check VAULT_TOKEN${vault.namespace ? ' and VAULT_NAMESPACE' : ''}, and that its policy allows read, create and update on ${where}.`,
          needsAttention: true,
        };
      if (status === 404)
        return {
          ok: false,
          error: `Vault has no KV v2 mount "${spec.mount}" (404 while ${doing} ${where})${vault.namespace ? ` in namespace ${vault.namespace}` : ''}.`,
          needsAttention: true,
        };
      return {
        ok: false,
        error: `Vault answered HTTP ${status} while ${doing} ${where}${detail ? `: ${detail}` : ''}`,
        needsAttention: false,
      };
    };

    const readCurrent = async (): Promise<Current> => {
      const result = await http.send({
        provider: 'sink:vault',
        method: 'GET',
        url,
        headers,
        ...(signal ? { signal } : {}),
      });
      if (result.kind === 'response' && (result.response.status === 200 || result.response.status === 404)) {
        try {
          const body = JSON.parse(result.response.body) as {
            data?: { data?: Record<string, unknown> | null; metadata?: { version?: number } };
          };
          // 404: no secret yet (version 0), or a deleted one that still reports its version.
          const version = body.data?.metadata?.version;
          const held = Number(body.data?.data?.reauth_version);
          return {
            kind: 'current',
            version: typeof version === 'number' ? version : 0,
            reauthVersion: Number.isFinite(held) ? held : null,
            fingerprint: body.data?.data?.fingerprint,
          };
        } catch {
          if (result.response.status === 404)
            return { kind: 'current', version: 0, reauthVersion: null, fingerprint: undefined };
          return { kind: 'failed', error: `Vault's answer reading ${where} was not JSON`, needsAttention: false };
        }
      }
      return { kind: 'failed', ...refused(result, 'reading') };
    };

    for (let attempt = 0; attempt < CAS_RETRIES; attempt += 1) {
      if (signal?.aborted)
        return {
          ok: false,
          error: 'the attempt was stopped: its lease ran out and another worker took the message',
          needsAttention: false,
        };
      const current = await readCurrent();
      if (current.kind === 'failed') return { ok: false, error: current.error, needsAttention: current.needsAttention };
      if (message.version !== undefined && current.reauthVersion !== null && current.reauthVersion >= message.version) {
        // Written already (a retry after a crash), or a newer version is there: nothing to do.
        return {
          ok: true,
          note:
            current.reauthVersion === message.version
              ? 'already there'
              : `Vault already holds version ${current.reauthVersion}`,
        };
      }
      const body = JSON.stringify({
        options: { cas: current.version },
        data: {
          ...message.credential,
          reauth_version: String(message.version ?? ''),
          fingerprint: message.fingerprint ?? null,
        },
      });
      const result = await http.send({
        provider: 'sink:vault',
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        ...(signal ? { signal } : {}),
      });
      if (result.kind === 'response' && result.response.status >= 200 && result.response.status < 300)
        return { ok: true };
      if (
        result.kind === 'response' &&
        result.response.status === 400 &&
        /check-and-set/i.test(errorsOf(result.response.body))
      )
        continue;
      return refused(result, 'writing');
    }
    return {
      ok: false,
      error: `${where} kept changing in Vault while Reauth wrote it (check-and-set failed ${CAS_RETRIES} times)`,
      needsAttention: false,
    };
  };
}
