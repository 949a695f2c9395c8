import { describeError } from '../i18n/describe-error';
import type { Messages } from '../i18n/en';
import type { AppState } from '../state/app-context';

/** One line for a failed action: the plain-language title plus the server's detail, if any. */
export function errorText(t: Messages, err: unknown): string {
  const d = describeError(t, err);
  return d.detail ? `${d.title} ${d.detail}` : d.title;
}

/** Shows a failed action as a 6 s error toast (errorText). */
export function toastError(app: Pick<AppState, 'locale' | 'toasts'>, err: unknown): void {
  app.toasts.push('bad', errorText(app.locale.t, err), 6000);
}
