/** Bounded concurrency, in one place: the poller's starts, the resync's document reads, the lake benchmark's clients. */

/**
 * Runs `fn` over `items` with at most `lanes` calls at once; each lane takes the next item when it is free.
 * `items` may be a lazy iterable (a generator of a million rows is never held whole).
 */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  lanes: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const it = items[Symbol.iterator]();
  const lane = async () => {
    for (let next = it.next(); !next.done; next = it.next()) await fn(next.value);
  };
  const count = Array.isArray(items) ? Math.min(lanes, items.length) : lanes;
  await Promise.all(Array.from({ length: count }, lane));
}
