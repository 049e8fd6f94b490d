import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWebFormLinks } from '../../../src/services/web-form-link.js';

const link = {
  integrationId: 'jira-cloud',
  slackUserId: 'U0OWNER',
  requestedByName: 'Olive Owner',
  issuedAt: new Date('2026-12-07T09:00:00Z'),
};

describe('signed links to the secret-entry page', () => {
  const key = randomBytes(32);

  it('reads back what it signed; every link is different', () => {
    const links = createWebFormLinks(key);
    const [first, second] = [links.sign(link), links.sign(link)];
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(links.read(first)).toEqual(link);
    expect(links.read(links.sign({ ...link, requestedByName: null }))).toEqual({ ...link, requestedByName: null });
  });

  it('a link signed before a key rotation opens after it (REAUTH_PREVIOUS_KEYS); one of another key does not', () => {
    const state = createWebFormLinks(key).sign(link);
    expect(createWebFormLinks(randomBytes(32), [key]).read(state)).toEqual(link);
    expect(createWebFormLinks(randomBytes(32)).read(state)).toBeUndefined();
  });

  it('anything altered, cut short or malformed is a link it never issued', () => {
    const links = createWebFormLinks(key);
    const state = links.sign(link);
    const [body = '', signature = ''] = state.split('.');
    const altered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), u: 'U0ATTACKER' }),
    ).toString('base64url');
    for (const bad of [
      `${altered}.${signature}`,
      `${body}.${signature.slice(0, -1)}`,
      body,
      `.${signature}`,
      '',
      'A'.repeat(43),
      `${body}.${signature}${'A'.repeat(3000)}`,
    ])
      expect(links.read(bad)).toBeUndefined();
  });
});
