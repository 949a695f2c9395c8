// Counting semaphore with a bounded, time-limited wait queue.

export interface Semaphore {
  /** Resolves with a release function; rejects when the queue is full or the wait times out. */
  acquire(waitMs: number): Promise<() => void>;
  active(): number;
  waiting(): number;
}

export function createSemaphore(limit: number, maxQueue: number): Semaphore {
  let active = 0;
  const queue: Array<{ grant: () => void; timer: NodeJS.Timeout }> = [];

  const release = (): void => {
    const next = queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.grant();
    } else {
      active -= 1;
    }
  };
  const once = (): (() => void) => {
    let used = false;
    return () => {
      if (!used) {
        used = true;
        release();
      }
    };
  };

  return {
    acquire(waitMs) {
      if (active < limit) {
        active += 1;
        return Promise.resolve(once());
      }
      if (queue.length >= maxQueue) return Promise.reject(new Error('queue full'));
      return new Promise((resolvePromise, reject) => {
        const entry = {
          grant: () => resolvePromise(once()),
          timer: setTimeout(() => {
            const i = queue.indexOf(entry);
            if (i >= 0) queue.splice(i, 1);
            reject(new Error('wait timed out'));
          }, waitMs),
        };
        queue.push(entry);
      });
    },
    active: () => active,
    waiting: () => queue.length,
  };
}
