import { isPanelError } from '../api/errors';
import type { Messages } from './en';

export interface ErrorText {
  title: string;
  fix: string;
  detail: string | null;
}

/** Turns any thrown value into a plain-language sentence plus what to do about it. */
export function describeError(t: Messages, e: unknown): ErrorText {
  const m = t.errors;
  if (!isPanelError(e)) return { title: m.unknown, fix: m.unknownFix, detail: e instanceof Error ? e.message : String(e) };
  const detail = e.detail || null;
  switch (e.code) {
    case 'unauthorized':
      return { title: m.unauthorized, fix: m.unauthorizedFix, detail };
    case 'missing-key':
      return { title: m.missingKey, fix: m.missingKeyFix, detail };
    case 'remote-disabled':
      return { title: m.remoteDisabled, fix: m.remoteDisabledFix, detail };
    case 'banned':
      return { title: m.banned({ wait: e.wait ?? '' }), fix: m.bannedFix, detail };
    case 'forbidden':
      return { title: m.forbidden, fix: m.forbiddenFix, detail };
    case 'management-disabled':
      return { title: m.managementDisabled, fix: m.managementDisabledFix, detail };
    case 'not-found':
      return { title: m.notFound, fix: m.notFoundFix, detail };
    case 'bad-request':
      return { title: m.badRequest, fix: m.badRequestFix, detail };
    case 'too-many-attempts':
      return { title: m.tooManyAttempts({ wait: e.wait ?? '' }), fix: m.tooManyAttemptsFix, detail };
    case 'server':
      return { title: m.server, fix: m.serverFix, detail };
    case 'network':
      return { title: m.network({ url: e.url }), fix: m.networkFix, detail: null };
    case 'timeout':
      return { title: m.timeout({ url: e.url }), fix: m.timeoutFix, detail: null };
    case 'invalid-response':
      return { title: m.invalidResponse, fix: m.invalidResponseFix, detail };
  }
}
