import { getContext, setContext } from 'svelte';
import { LocaleState } from './locale.svelte';
import { Router } from './router.svelte';
import { SessionState } from './session.svelte';
import { ThemeState } from './theme.svelte';
import { ToastState } from './toasts.svelte';

export interface AppState {
  theme: ThemeState;
  locale: LocaleState;
  router: Router;
  session: SessionState;
  toasts: ToastState;
}

const KEY = Symbol('cpamp-app');

/** Built once by the root component; no module-level singletons. */
export function createAppState(win: Window): AppState {
  return {
    theme: new ThemeState(win),
    locale: new LocaleState(win),
    router: new Router(win),
    session: new SessionState(win),
    toasts: new ToastState(),
  };
}

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() called outside <App>: the app context is set by App.svelte.');
  return app;
}
