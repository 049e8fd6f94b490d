import { describe, expect, it } from 'vitest';
import { scrubText, toBoltLogger } from '../../src/logger.js';
import { captureLogger } from '../helpers/capture-log.js';

const SHAPES: Record<string, string> = {
  'Slack bot token': 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp',
  'Slack user token': 'xoxp-1234567890-0987654321-AbCdEfGhIjKl',
  'Slack app token': 'xapp-1-A0123-4567-abcdef0123456789',
  'GitHub classic PAT': 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'GitHub fine-grained PAT': 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
  'GitHub OAuth token': 'gho_abcdefghijklmnopqrstuvwxyz0123456789',
  'GitHub App installation token': 'ghs_abcdefghijklmnopqrstuvwxyz0123456789',
  'GitLab PAT': 'glpat-AbCdEfGhIjKlMnOpQrSt',
  'SonarQube user token': 'squ_0123456789abcdef0123456789abcdef01234567',
  'SonarQube analysis token': 'sqa_0123456789abcdef0123456789abcdef01234567',
  'Atlassian API token': 'ATATT3xFfGF0AbCdEfGhIjKlMnOpQrStUvWxYz0123456789=ABCDEF12',
  'Bitbucket app password': 'ATBB0123456789abcdefABCDEF',
  'Harness PAT': 'pat.abc123.6543210fedcba.0123456789abcdef',
  'Harness SAT': 'sat.abc123.6543210fedcba.0123456789abcdef',
  JWT: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXN0dWZm',
};

describe('logger redaction', () => {
  it.each(Object.entries(SHAPES))('removes a %s from free text, objects and errors', (_name, token) => {
    const { logger, text } = captureLogger('debug');
    logger.info(`calling provider with ${token} now`);
    logger.debug({ payload: { note: `value=${token}` }, list: [token] }, 'nested');
    logger.error({ err: new Error(`provider said ${token} is bad`) }, 'failed');
    logger.warn(new Error(`boom ${token}`));
    expect(text()).not.toContain(token);
    expect(text()).toContain('[redacted]');
  });

  it('blanks fields named like secrets whatever their value', () => {
    const { logger, lines } = captureLogger();
    logger.info({
      headers: { Authorization: 'Basic dXNlcjpwYXNz', 'PRIVATE-TOKEN': 'plain', 'x-api-key': 'plainkey' },
      token: 'tok',
      apiKey: 'k',
      api_key: 'k2',
      password: 'pw',
      client_secret: 'cs',
      private_metadata: '{"id":"x"}',
      code_verifier: 'v',
      integration: 'jira-acme',
    });
    const line = lines()[0] as Record<string, unknown>;
    expect(line.headers).toEqual({
      Authorization: '[redacted]',
      'PRIVATE-TOKEN': '[redacted]',
      'x-api-key': '[redacted]',
    });
    for (const key of [
      'token',
      'apiKey',
      'api_key',
      'password',
      'client_secret',
      'private_metadata',
      'code_verifier',
    ]) {
      expect(line[key]).toBe('[redacted]');
    }
    expect(line.integration).toBe('jira-acme');
  });

  it('redacts Authorization header values quoted in text', () => {
    expect(scrubText('sent Authorization: Bearer abcdefghijklmnop1234')).toBe('sent Authorization: [redacted]');
    expect(scrubText('Basic dXNlcjpwYXNzd29yZA==')).toBe('[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(scrubText('GET https://api.github.com/user → 401 for jira-acme')).toBe(
      'GET https://api.github.com/user → 401 for jira-acme',
    );
  });

  it('drops whole incoming payloads from Slack SDK debug lines, keeping the line', () => {
    const { logger, text } = captureLogger('debug');
    const bolt = toBoltLogger(logger);
    bolt.debug(
      'Received a message on the WebSocket: {"payload":{"view":{"state":{"values":{"token":{"t":{"value":"Shapeless123secret"}}}}}}}',
    );
    bolt.debug(`something {"view":{"state":{"values":{"token":{"t":{"value":"Shapeless456secret"}}}}}}`);
    expect(text()).not.toContain('Shapeless123secret');
    expect(text()).not.toContain('Shapeless456secret');
    expect(text()).toContain('Received a message on the WebSocket: [payload not logged]');
  });

  it('gives Bolt a logger writing through the same redaction', () => {
    const { logger, text } = captureLogger('debug');
    const bolt = toBoltLogger(logger);
    bolt.debug('payload', { view: { state: { values: { token: { token: { value: SHAPES['GitLab PAT'] } } } } } });
    bolt.error(`failed for ${SHAPES['Slack bot token']}`);
    expect(text()).not.toContain(SHAPES['GitLab PAT']);
    expect(text()).not.toContain(SHAPES['Slack bot token']);
    expect(text()).toContain('"component":"bolt"');
  });
});

describe('OAuth values in URLs and bodies', () => {
  it('the one-time page link is redacted, in a URL or a path', () => {
    expect(scrubText('{"url":"https://r.example/base/reauth/form/AbC_12-xyz?x=1","type":"button"}')).toBe(
      '{"url":"https://r.example/base/reauth/form/[redacted]?x=1","type":"button"}',
    );
    expect(scrubText('GET /reauth/form/AbC_12-xyz HTTP/1.1')).toBe('GET /reauth/form/[redacted] HTTP/1.1');
  });

  it('are redacted wherever they appear in text', () => {
    const line =
      'Unhandled HTTP request (POST) made to /oauth/start?state=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5&x=1 then /oauth/callback?code=abc123XYZ&state=s3cr3tstate';
    const scrubbed = scrubText(line);
    expect(scrubbed).not.toMatch(/Zm9vYmFy|abc123XYZ|s3cr3tstate/);
    expect(scrubbed).toContain('state=[redacted]&x=1');
    expect(scrubText('{"url":"https://r.example/oauth/start?state=abcdefgh","code":"pqrs"}')).toBe(
      '{"url":"https://r.example/oauth/start?state=[redacted]","code":"[redacted]"}',
    );
    expect(scrubText('grant_type=refresh_token&refresh_token=rt-123456&client_secret=cs-999')).toBe(
      'grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]',
    );
  });
});
