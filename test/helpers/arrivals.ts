/**
 * Things that arrive over time (a child process's log lines), kept in arrival order, and a wait for the first one
 * that matches: the wait checks what has arrived already, then each new arrival, until its deadline.
 */
export interface Arrivals<T> {
  readonly items: T[];
  /** Adds an arrival and wakes the waits. */
  push(item: T): void;
  /** The first arrival (past or future) that matches; rejects with `timeoutMessage()` after `timeoutMs`. */
  waitFor(predicate: (item: T) => boolean, timeoutMs: number, timeoutMessage: () => string): Promise<T>;
}

/** An empty list of arrivals. */
export function arrivals<T>(): Arrivals<T> {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push(item) {
      items.push(item);
      for (const wake of waiters) wake();
    },
    waitFor(predicate, timeoutMs, timeoutMessage) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = items.find(predicate);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(timeoutMessage()));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
