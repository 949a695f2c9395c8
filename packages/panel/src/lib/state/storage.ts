// Browser storage can throw (disabled cookies, file:// in some browsers, quota): every access is guarded.
export type StoreKind = 'local' | 'session';

function area(kind: StoreKind): Storage | null {
  try {
    return kind === 'local' ? globalThis.localStorage : globalThis.sessionStorage;
  } catch {
    return null;
  }
}

export function readStore(kind: StoreKind, key: string): string | null {
  try {
    return area(kind)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeStore(kind: StoreKind, key: string, value: string): void {
  try {
    area(kind)?.setItem(key, value);
  } catch {
    // storage unavailable: the value lives in memory only
  }
}

export function removeStore(kind: StoreKind, key: string): void {
  try {
    area(kind)?.removeItem(key);
  } catch {
    // nothing to remove
  }
}

/** Every key the panel writes starts with this prefix, so "clear local data" can find them all. */
export const STORE_PREFIX = 'cpamp.';

export function clearAllStores(): void {
  for (const kind of ['local', 'session'] as const) {
    const a = area(kind);
    if (!a) continue;
    try {
      for (const k of Object.keys(a)) if (k.startsWith(STORE_PREFIX)) a.removeItem(k);
    } catch {
      // ignore
    }
  }
}
