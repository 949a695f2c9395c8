/** Min-heap of attempts scheduled for later (retries, additional-model records), ordered by start time. */

export interface Pending<T> {
  time: number;
  seq: number;
  value: T;
}

export class PendingQueue<T> {
  private readonly heap: Pending<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Earliest start time, or +Infinity when empty. */
  peekTime(): number {
    return this.heap.length > 0 ? (this.heap[0] as Pending<T>).time : Number.POSITIVE_INFINITY;
  }

  push(time: number, value: T): void {
    const h = this.heap;
    h.push({ time, seq: this.seq++, value });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): Pending<T> | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0] as Pending<T>;
    const last = h.pop() as Pending<T>;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Pending<T>;
    const y = this.heap[b] as Pending<T>;
    return x.time < y.time || (x.time === y.time && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    const t = h[a] as Pending<T>;
    h[a] = h[b] as Pending<T>;
    h[b] = t;
  }
}
