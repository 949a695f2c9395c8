// The boundary between the synchronous SQLite repositories (better-sqlite3) and the async
// repository interface: each call runs synchronously and hands back a settled Promise. One Promise
// per call, never per row; a synchronous throw becomes a rejection, so callers see one error path.

/** T with every method returning a Promise of its result, except the `Keep` ones (registrations, streams). */
export type AsyncFacade<T, Keep extends keyof T = never> = {
  [K in keyof T]: K extends Keep
    ? T[K]
    : T[K] extends ((...args: infer A) => infer R) | undefined
      ? (...args: A) => Promise<Awaited<R>>
      : T[K];
};

/** Runs `fn` now; its result or its throw as a Promise. */
export function settle<R>(fn: () => R): Promise<Awaited<R>> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Wraps the methods of a repository object (own properties) so each returns a Promise. */
export function asyncFacade<T extends object, Keep extends keyof T = never>(
  impl: T,
  keep: readonly Keep[] = [],
): AsyncFacade<T, Keep> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(impl)) {
    if (typeof value !== 'function' || (keep as readonly PropertyKey[]).includes(key)) {
      out[key] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    out[key] = (...args: unknown[]) => settle(() => fn.apply(impl, args));
  }
  return out as AsyncFacade<T, Keep>;
}

/** The synchronous shape behind an async interface: what a better-sqlite3 repository implements. */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};
