import { describe, expect, it } from 'vitest';
import {
  durationText,
  OAUTH_STATE_LIFETIME_MS,
  PENDING_LIFETIME_MS,
  WEB_FORM_LIFETIME_MS,
} from '../../../src/domain/lifetimes.js';

describe('durations in what people read', () => {
  it('are said in the largest unit that divides them', () => {
    expect(durationText(10 * 60_000)).toBe('10 minutes');
    expect(durationText(60_000)).toBe('1 minute');
    expect(durationText(3_600_000)).toBe('1 hour');
    expect(durationText(2 * 3_600_000)).toBe('2 hours');
    expect(durationText(90_000)).toBe('90 seconds');
    expect(durationText(1_500)).toBe('1500 milliseconds');
  });

  it('are ten minutes for every one-time link and held credential', () => {
    for (const lifetime of [WEB_FORM_LIFETIME_MS, OAUTH_STATE_LIFETIME_MS, PENDING_LIFETIME_MS])
      expect(durationText(lifetime)).toBe('10 minutes');
  });
});
