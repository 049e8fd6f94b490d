import { describe, expect, it } from 'vitest';
import { dueEvery } from '../../../src/domain/clock.js';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7) + ms);

describe('a periodic chore (dueEvery)', () => {
  it('is due the first time, then once the interval has passed since it last ran', () => {
    const due = dueEvery(60_000);
    expect([due(at(0)), due(at(1)), due(at(59_999)), due(at(60_000)), due(at(60_001))]).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
  });

  it('is due again at once when the clock went back, so a corrected clock never stops it', () => {
    const due = dueEvery(60_000);
    expect([due(at(3_600_000)), due(at(0)), due(at(30_000))]).toEqual([true, true, false]);
  });
});
