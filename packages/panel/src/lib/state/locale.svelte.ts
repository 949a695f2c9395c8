import { isLocaleId, matchLocale, MESSAGES, type LocaleId, type Messages } from '../i18n';
import { readStore, STORE_PREFIX, writeStore } from './storage';

const KEY = `${STORE_PREFIX}locale`;

export class LocaleState {
  id = $state<LocaleId>('en');
  readonly t: Messages = $derived(MESSAGES[this.id]);
  readonly #root: HTMLElement;

  constructor(win: Window) {
    this.#root = win.document.documentElement;
    const saved = readStore('local', KEY);
    this.id = isLocaleId(saved) ? saved : matchLocale(win.navigator.languages ?? [win.navigator.language]);
    this.#root.lang = this.id;
  }

  set(id: LocaleId): void {
    this.id = id;
    writeStore('local', KEY, id);
    this.#root.lang = id;
  }
}
