// Runs async operations one at a time, in the order they were queued: the worker's state
// changes, and the sends of one idempotent producer.

/** Returns a function that runs `fn` after every operation queued before it has settled. */
export function createSerialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    // The caller handles `run`'s failure; the queue only waits for it to settle.
    tail = run.catch(() => {});
    return run;
  };
}
