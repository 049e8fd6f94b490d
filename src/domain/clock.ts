/** Where services read the time; tests hand in one they can move. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Whether a periodic chore is due: true the first time it is asked, then again once `everyMs` has
 * passed since it last answered true — or when the clock went back (a corrected clock must not stop
 * the chore for good). Each call that answers true counts as the chore being done.
 */
export function dueEvery(everyMs: number): (now: Date) => boolean {
  let last: number | undefined;
  return (now) => {
    const at = now.getTime();
    if (last !== undefined && at - last < everyMs && at >= last) return false;
    last = at;
    return true;
  };
}
