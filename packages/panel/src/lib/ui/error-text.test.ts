import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en';
import { PanelError } from '../api/errors';
import { errorText, toastError } from './error-text';

describe('error text', () => {
  it('joins the title and the detail, or gives the title alone', () => {
    expect(errorText(en, new Error('disk full'))).toBe(`${en.errors.unknown} disk full`);
    expect(errorText(en, new PanelError({ code: 'bad-request', url: 'http://h/x', detail: 'name is required' }))).toBe(`${en.errors.badRequest} name is required`);
    expect(errorText(en, new PanelError({ code: 'server', url: 'http://h/x' }))).toBe(en.errors.server);
  });

  it('toastError pushes a 6 s error toast', () => {
    const pushed: unknown[][] = [];
    toastError({ locale: { t: en }, toasts: { push: (...a: unknown[]) => pushed.push(a) } } as never, new Error('boom'));
    expect(pushed).toEqual([['bad', `${en.errors.unknown} boom`, 6000]]);
  });
});
