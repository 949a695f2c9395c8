// Pure helpers for incidents: where a subject links to, and which live events deserve a toast.
import type { SubjectLink } from '../api/alerts-api';
import { hrefFor, ROUTES } from '../state/routes';

/**
 * The page an incident's subject opens: an account on the Accounts page when the panel has one (the
 * accounts workspace's `#/accounts?account=`), else in the pool's account drawer; a key on Aliases, a pool
 * on the Pool page filtered to its provider, the collector on its page.
 */
export function subjectHref(link: SubjectLink, routes: readonly string[] = ROUTES): string | null {
  if (!link) return null;
  switch (link.kind) {
    case 'account':
      return routes.includes('accounts')
        ? `#/accounts?${new URLSearchParams({ account: link.authIndex }).toString()}`
        : hrefFor('pool', { account: link.authIndex });
    case 'key':
      return hrefFor('aliases', { key: link.hash });
    case 'pool':
      return hrefFor('pool', { provider: link.provider });
    case 'collector':
      return hrefFor('collector');
    default:
      return null;
  }
}

const LOUD = new Set(['warning', 'critical']);

/** A toast only for a newly opened incident of warning or worse that is not muted. */
export function shouldToast(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as {
    event?: unknown;
    state?: unknown;
    severity?: unknown;
    muted?: unknown;
    test?: unknown;
  };
  return (
    p.event === 'opened' &&
    p.state === 'open' &&
    LOUD.has(String(p.severity)) &&
    p.muted !== true &&
    p.test !== true
  );
}

/** Mute durations offered, in minutes (null = until unmuted). */
export const MUTE_MINUTES = [60, 480, 1440, 10080, null] as const;
