import { parseHash, type RouteId } from './routes';

/** How long a restore keeps trying while the page is still loading its content (ms); the user scrolling ends it. */
const RESTORE_FOR_MS = 5000;

/**
 * Hash router. It also owns the page scroll (the window is the one scroll container): a new page opens
 * at the top, Back / Forward return to where that history entry was left. Each entry gets an id in
 * history.state; its last scroll offset is kept in memory under that id.
 */
export class Router {
  #hash = $state('');
  readonly current = $derived(parseHash(this.#hash));
  readonly #win: Window;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- scroll bookkeeping, never rendered
  readonly #offsets = new Map<string, number>();
  #nextId = 0;
  #entry = '';
  #restoring = 0;

  constructor(win: Window) {
    this.#win = win;
    this.#hash = win.location.hash;
    try {
      win.history.scrollRestoration = 'manual';
    } catch {
      // not settable in some embedded browsers: the default restoration then applies
    }
    this.#entry = this.#ensureEntry();
    win.addEventListener('scroll', () => {
      if (this.#restoring === 0) this.#offsets.set(this.#entry, win.scrollY);
    }, { passive: true });
    const userScrolls = () => {
      if (this.#restoring !== 0) this.#restoring = 0;
    };
    for (const type of ['wheel', 'touchstart', 'keydown', 'mousedown'] as const) win.addEventListener(type, userScrolls, { passive: true });
    win.addEventListener('hashchange', () => {
      const prevRoute = this.current.route;
      const known = this.#entryId();
      this.#entry = this.#ensureEntry();
      this.#hash = win.location.hash;
      const saved = known !== null ? this.#offsets.get(known) : undefined;
      if (saved !== undefined) this.#restore(saved);
      else if (this.current.route !== prevRoute) win.scrollTo(0, 0);
    });
  }

  get route(): RouteId {
    return this.current.route;
  }

  #entryId(): string | null {
    const s = this.#win.history.state as { cpampNav?: unknown } | null;
    return s && typeof s.cpampNav === 'string' ? s.cpampNav : null;
  }

  /** The id of the current history entry, giving it one when it has none (a fresh navigation). */
  #ensureEntry(): string {
    const id = this.#entryId();
    if (id !== null) return id;
    const fresh = `${Date.now().toString(36)}-${this.#nextId++}`;
    const state = (this.#win.history.state ?? {}) as Record<string, unknown>;
    this.#win.history.replaceState({ ...state, cpampNav: fresh }, '');
    return fresh;
  }

  /** Scrolls to y once the page is tall enough (its data may still be loading), for a short while. */
  #restore(y: number): void {
    const win = this.#win;
    const until = performance.now() + RESTORE_FOR_MS;
    const token = ++this.#restoring;
    const step = () => {
      if (token !== this.#restoring) return;
      win.scrollTo(0, y);
      if (Math.abs(win.scrollY - y) <= 1 || performance.now() > until) {
        this.#restoring = 0;
        this.#offsets.set(this.#entry, win.scrollY);
        return;
      }
      win.requestAnimationFrame(step);
    };
    win.requestAnimationFrame(step);
  }
}
