import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../src/catalogue/parse.js';
import { formatCatalogueError } from '../../../src/catalogue/types.js';
import { rotationDue, rotationDueAt } from '../../../src/domain/rotation.js';

const entry = (provider: string, auth: string, rotate: string) =>
  `integrations:\n  - id: x\n    provider: ${provider}\n    auth: ${auth}\n    url: https://x.example\n    rotate: ${rotate}\n`;
const parsed = (text: string) => {
  const result = parseCatalogue(text);
  return result.ok
    ? { rotate: result.entries[0]?.rotate, errors: [] as string[] }
    : { rotate: undefined, errors: result.errors.map(formatCatalogueError) };
};

describe('rotate: in integrations.yml', () => {
  it('takes true (every default), false, or a mapping of whole days', () => {
    expect(parsed(entry('gitlab', 'pat', 'true')).rotate).toEqual({ beforeDays: 7, everyDays: null, lifetimeDays: 90 });
    expect(parsed(entry('gitlab', 'pat', 'false')).rotate).toBeUndefined();
    expect(
      parsed(entry('sonarqube', 'api_key', '{ before_days: 14, every_days: 60, lifetime_days: 30 }')).rotate,
    ).toEqual({ beforeDays: 14, everyDays: 60, lifetimeDays: 30 });
  });

  it('stops start-up on a provider that cannot rotate, naming the entry, the field and the ones that can', () => {
    expect(parsed(entry('github', 'pat', 'true')).errors).toEqual([
      'integrations[0] (id "x"): rotate: github pat cannot renew its credential through its API, so Reauth cannot rotate it; only gitlab pat and sonarqube api_key can. Remove rotate: here (Reauth still warns before it expires).',
    ]);
    expect(parsed(entry('jira', 'api_key', '{ before_days: 7 }')).errors[0]).toMatch(
      /rotate: jira api_key cannot renew/,
    );
  });

  it('refuses unknown keys, numbers that are not whole days from 1 to 365, and a lifetime not longer than before_days', () => {
    expect(parsed(entry('gitlab', 'pat', '{ before: 7 }')).errors).toEqual([
      'integrations[0] (id "x"): rotate.before: unknown key; allowed: before_days, every_days, lifetime_days.',
    ]);
    for (const bad of ['0', '-3', '2.5', '400', '"7"'])
      expect(parsed(entry('gitlab', 'pat', `{ before_days: ${bad} }`)).errors[0], bad).toMatch(
        /rotate\.before_days: must be a whole number of days from 1 to 365/,
      );
    expect(parsed(entry('gitlab', 'pat', '{ before_days: 30, lifetime_days: 30 }')).errors[0]).toMatch(
      /rotate\.lifetime_days: 30 days is not longer than before_days \(30\)/,
    );
    expect(parsed(entry('gitlab', 'pat', '[7]')).errors[0]).toMatch(/rotate: must be true, false, or a mapping/);
  });

  it('is due within before_days of expiry, or once held every_days', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    const day = 86_400_000;
    const policy = { beforeDays: 7, everyDays: 90, lifetimeDays: 30 };
    expect(rotationDue(policy, { expiresAt: new Date(now.getTime() + 8 * day), createdAt: now }, now)).toBe(false);
    expect(rotationDue(policy, { expiresAt: new Date(now.getTime() + 7 * day), createdAt: now }, now)).toBe(true);
    expect(rotationDue(policy, { expiresAt: null, createdAt: new Date(now.getTime() - 89 * day) }, now)).toBe(false);
    expect(rotationDue(policy, { expiresAt: null, createdAt: new Date(now.getTime() - 90 * day) }, now)).toBe(true);
    expect(rotationDue({ ...policy, everyDays: null }, { expiresAt: null, createdAt: new Date(0) }, now)).toBe(false);
    expect(rotationDueAt(policy, { expiresAt: new Date(now.getTime() + 30 * day), createdAt: now })).toEqual(
      new Date(now.getTime() + 23 * day),
    );
  });
});
