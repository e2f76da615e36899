/**
 * `target.push(...items)` passes every item as an argument: past some 100,000 items (one file of many small
 * documents, a rule that finds something in each) that overflows the call stack. This appends in a loop.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest value, for lists of any length (`Math.max(...values)` overflows the stack the same way). */
export function maxOf(values: Iterable<number>, empty = -Infinity): number {
  let max = empty;
  for (const value of values) if (value > max) max = value;
  return max;
}
