import { parseHash, type RouteId } from './routes';

export class Router {
  #hash = $state('');
  readonly current = $derived(parseHash(this.#hash));

  constructor(win: Window) {
    this.#hash = win.location.hash;
    win.addEventListener('hashchange', () => {
      this.#hash = win.location.hash;
    });
  }

  get route(): RouteId {
    return this.current.route;
  }
}
