import { readStore, STORE_PREFIX, writeStore } from './storage';

export type ThemeChoice = 'light' | 'dark' | 'system';
const KEY = `${STORE_PREFIX}theme`;

/** Theme preference; the resolved theme is written to <html data-theme> so CSS variables switch. */
export class ThemeState {
  choice = $state<ThemeChoice>('system');
  #systemDark = $state(false);
  readonly resolved = $derived<'light' | 'dark'>(this.choice === 'system' ? (this.#systemDark ? 'dark' : 'light') : this.choice);
  readonly #root: HTMLElement;

  constructor(win: Window) {
    this.#root = win.document.documentElement;
    const saved = readStore('local', KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') this.choice = saved;
    const mq = win.matchMedia?.('(prefers-color-scheme: dark)');
    this.#systemDark = mq?.matches ?? false;
    mq?.addEventListener('change', (e) => {
      this.#systemDark = e.matches;
      this.apply();
    });
    this.apply();
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    writeStore('local', KEY, choice);
    this.apply();
  }

  private apply(): void {
    this.#root.dataset['theme'] = this.resolved;
  }
}
