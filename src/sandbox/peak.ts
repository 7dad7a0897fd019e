// The busiest stretch of a call log: what an upstream's rate limit, counted over a sliding window, would see.

/** The most of the times (ascending, in ms) that fall within any `windowMs`. */
export function mostWithin(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
