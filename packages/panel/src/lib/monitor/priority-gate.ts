/**
 * Lets the first cards (KPIs, timeline) reach the server before the rest: secondary cards await
 * `ready`, which opens when the first ones settled or after `maxWaitMs`, so nothing waits on a slow call.
 */
export interface PriorityGate {
  ready: Promise<void>;
  done(): void;
}

export function createPriorityGate(parts: number, maxWaitMs: number): PriorityGate {
  let open: () => void = () => undefined;
  const ready = new Promise<void>((r) => (open = r));
  let left = parts;
  const timer = setTimeout(() => open(), maxWaitMs);
  return {
    ready,
    done() {
      left -= 1;
      if (left === 0) {
        clearTimeout(timer);
        open();
      }
    },
  };
}

/** An open gate (pages without priorities). */
export const OPEN_GATE: PriorityGate = { ready: Promise.resolve(), done: () => undefined };
