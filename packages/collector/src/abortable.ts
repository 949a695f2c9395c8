// Abort plumbing for stop(). A listener added to an already-aborted signal never fires, so every helper
// here checks `aborted` first — forgetting that is what made stop() right after start() hang.

/** Aborts `ctrl` when `parent` aborts (at once if it already has). Returns an unlink function. */
export function linkAbort(parent: AbortSignal, ctrl: AbortController): () => void {
  if (parent.aborted) {
    ctrl.abort();
    return () => {};
  }
  const onAbort = () => ctrl.abort();
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

export class AbortedError extends Error {
  constructor() {
    super('aborted by stop()');
    this.name = 'AbortedError';
  }
}

/**
 * Settles like `p`, or rejects with AbortedError as soon as `signal` aborts. Only for work that consumes
 * nothing (version probes, config reads, connect/AUTH): `p` itself keeps running and is ignored.
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new AbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
