import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { parseBasic, sendJson } from './http-utils.js';
import type { EmulatedToken } from './types.js';

/**
 * Bitbucket OAuth consumers on loopback: the client-credentials grant of
 * `POST {BITBUCKET_OAUTH_URL}/site/oauth2/access_token` as Atlassian documents it
 * (https://developer.atlassian.com/cloud/bitbucket/oauth-2/#client-credentials-grant--4-4-) — the consumer's
 * key and secret as HTTP Basic, `grant_type=client_credentials` in a form — answering a two-hour token the
 * consumer's workspace accepts, or `invalid_client`.
 */

export interface EmulatedConsumer {
  key: string;
  secret: string;
  workspaces: string[];
  tokenLifetimeSeconds: number;
}

export interface BitbucketConsumers {
  /** Registers a consumer of `workspaces` and returns its secret. */
  add(consumer: Pick<EmulatedConsumer, 'key' | 'workspaces'> & { tokenLifetimeSeconds?: number }): string;
  /** Regenerates the consumer's secret (the old one stops working) and returns the new one. */
  regenerate(key: string): string;
  consumer(key: string): EmulatedConsumer | undefined;
}

export function createBitbucketConsumers(tokens: Map<string, EmulatedToken>, now: () => number) {
  const consumers = new Map<string, EmulatedConsumer>();
  const secret = () => randomBytes(24).toString('base64url');

  const registry: BitbucketConsumers = {
    add(consumer) {
      const made = secret();
      consumers.set(consumer.key, { tokenLifetimeSeconds: 7200, ...consumer, secret: made });
      return made;
    },
    regenerate(key) {
      const consumer = consumers.get(key);
      if (!consumer) throw new Error(`no emulated consumer ${key}`);
      consumer.secret = secret();
      return consumer.secret;
    },
    consumer: (key) => consumers.get(key),
  };

  function token(res: ServerResponse, headers: Record<string, string>, form: URLSearchParams): void {
    const basic = parseBasic(headers.authorization);
    const consumer = basic ? consumers.get(basic.user) : undefined;
    if (!consumer || consumer.secret !== basic?.password)
      return sendJson(res, 400, { error: 'invalid_client', error_description: 'Invalid OAuth client credentials' });
    if (form.get('grant_type') !== 'client_credentials')
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
    const access = randomBytes(96).toString('base64url');
    tokens.set(access, {
      provider: 'bitbucket',
      identity: { id: consumer.key, name: `OAuth consumer ${consumer.key}` },
      expiresAt: new Date(now() + consumer.tokenLifetimeSeconds * 1000),
      workspaces: consumer.workspaces,
      minted: true,
    });
    sendJson(res, 200, {
      access_token: access,
      scopes: 'repository',
      token_type: 'bearer',
      expires_in: consumer.tokenLifetimeSeconds,
      state: 'client_credentials',
    });
  }

  return { registry, token };
}
