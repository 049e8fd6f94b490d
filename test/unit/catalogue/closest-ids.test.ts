import { describe, expect, it } from 'vitest';
import { closestIds, MAX_ID_LENGTH } from '../../../src/catalogue/closest-ids.js';

const ids = Array.from(
  { length: 10_000 },
  (_, i) => `integration-${String(i).padStart(5, '0')}-${['jira', 'github', 'gitlab', 'sonar'][i % 4]}`,
);

describe('closestIds', () => {
  it('suggests substring matches first, then small typos', () => {
    expect(closestIds('jira', ['jira-acme', 'github-main', 'jira-beta'])).toEqual(['jira-acme', 'jira-beta']);
    expect(closestIds('gitlab-mian', ['gitlab-main', 'github-main', 'sonar'])).toEqual(['gitlab-main']);
    expect(closestIds('zzzzzz', ['jira-acme'])).toEqual([]);
  });

  it('does no work at all for an argument longer than any id (a 4,000-character /reauth argument)', () => {
    const meter = { cells: 0 };
    expect(closestIds('x'.repeat(4_000), ids, 3, meter)).toEqual([]);
    expect(closestIds('a'.repeat(MAX_ID_LENGTH + 1), ids, 3, meter)).toEqual([]);
    expect(meter.cells).toBe(0);
  });

  it('computes only a narrow band of each distance table, whatever the ids', () => {
    const meter = { cells: 0 };
    const typed = 'q'.repeat(MAX_ID_LENGTH);
    expect(closestIds(typed, ids, 3, meter)).toEqual([]);
    // A full table per id would be 10,000 × 64 × 24 cells; the band and the early stop keep it far below.
    const band = 2 * Math.floor(MAX_ID_LENGTH / 3) + 1;
    expect(meter.cells).toBeLessThan(ids.length * band * 3);
    const near = { cells: 0 };
    expect(closestIds('integration-00040-jiar', ids, 3, near)[0]).toBe('integration-00040-jira');
    expect(near.cells).toBeLessThan(ids.length * 22 * (2 * 7 + 1));
  });
});
