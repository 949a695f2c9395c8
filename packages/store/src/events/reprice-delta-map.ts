// One rollup table's pending re-pricing deltas (reprice-pending.ts), keyed without a string per row: ~10 rows per
// re-priced event made the '|'-joined keys, their Map hashing and the [cost, unpriced] pairs about a fifth of a
// 1M-event job's CPU (issue #21). A row's key is its leading column (a Map level) and the other columns packed
// into one safe integer, most significant first, so sorting the packed numbers of a lead is key order (the slices
// walk the B-tree in order). A value that does not fit its bits (or is negative) keeps a string key.
import { SPANS } from '../rollups/rollup-spans';

/** Bits per packed column: hours until 2448, days until 2328, dictionary ids well past real dictionaries. */
const BITS: Record<string, number> = {
  hour: 22,
  day: 17,
  sclass: 3,
  provider_id: 10,
  model_id: 16,
  key_id: 20,
  account_id: 20,
  upstream_id: 8,
  // Span lengths (SPANS) themselves, not an index: the key stays its column value.
  span: Math.ceil(Math.log2(Math.max(...SPANS) + 1)),
};

/** The packed rest of a key: at most 53 bits (Number.MAX_SAFE_INTEGER). */
const MAX_BITS = 53;

export class DeltaMap {
  /** Lead value → packed rest → slot. */
  private readonly leads = new Map<number, Map<number, number>>();
  /** Keys that do not pack ('|'-joined values) → slot. */
  private readonly loose = new Map<string, number>();
  private cost = new Float64Array(1024);
  private unpriced = new Float64Array(1024);
  private readonly freeSlots: number[] = [];
  private used = 0;
  /** Rows held. */
  size = 0;
  private readonly mult: number[];
  private readonly limits: number[];
  private readonly packs: boolean;
  private readonly identity: number[];
  /** The lead of the last add and its Map. */
  private lastLead = NaN;
  private lastMap: Map<number, number> | undefined;

  constructor(readonly cols: readonly string[]) {
    const bits = cols.slice(1).map((c) => BITS[c] ?? MAX_BITS + 1);
    this.packs = bits.reduce((a, b) => a + b, 0) <= MAX_BITS;
    // mult[i]: the weight of rest column i (the last column weighs 1).
    this.mult = bits.map((_, i) => 2 ** bits.slice(i + 1).reduce((a, b) => a + b, 0));
    this.limits = bits.map((b) => 2 ** b);
    this.identity = cols.map((_, i) => i);
  }

  /** The packed rest of the key (column i is b[at[i]], column 0 the lead), or -1 when a value does not fit. */
  private pack(b: readonly number[], at: readonly number[]): number {
    if (!this.packs) return -1;
    let p = 0;
    for (let i = 1; i < at.length; i++) {
      const x = b[at[i]!]!;
      if (!(x >= 0 && x < this.limits[i - 1]!) || !Number.isInteger(x)) return -1;
      p += x * this.mult[i - 1]!;
    }
    return p;
  }

  private slot(): number {
    const s = this.freeSlots.pop();
    if (s !== undefined) return s;
    if (this.used === this.cost.length) {
      const c = new Float64Array(this.cost.length * 2);
      c.set(this.cost);
      this.cost = c;
      const u = new Float64Array(this.unpriced.length * 2);
      u.set(this.unpriced);
      this.unpriced = u;
    }
    return this.used++;
  }

  /** Sums a delta into the row of key values `v` (cols order; longer arrays: the rest is ignored); true when the row is new. */
  add(v: readonly number[], dCost: number, dUnpriced: number): boolean {
    return this.addAt(v, this.identity, dCost, dUnpriced);
  }

  /**
   * add() of the key whose column i is b[at[i]]: an event's values computed once serve every table
   * (re-pricing sums ~10 rows per event).
   */
  addAt(b: readonly number[], at: readonly number[], dCost: number, dUnpriced: number): boolean {
    const rest = this.pack(b, at);
    let s: number | undefined;
    if (rest >= 0) {
      const lead = b[at[0]!]!;
      // Consecutive events mostly share the lead (an hour, a day): one Map level less.
      let m = lead === this.lastLead ? this.lastMap : this.leads.get(lead);
      if (!m) this.leads.set(lead, (m = new Map()));
      this.lastLead = lead;
      this.lastMap = m;
      s = m.get(rest);
      if (s === undefined) m.set(rest, (s = this.newSlot()));
      else return this.sum(s, dCost, dUnpriced);
    } else {
      const k = at.map((i) => b[i]!).join('|');
      s = this.loose.get(k);
      if (s === undefined) this.loose.set(k, (s = this.newSlot()));
      else return this.sum(s, dCost, dUnpriced);
    }
    this.cost[s] = dCost;
    this.unpriced[s] = dUnpriced;
    return true;
  }

  private newSlot(): number {
    this.size++;
    return this.slot();
  }

  private sum(s: number, dCost: number, dUnpriced: number): false {
    this.cost[s] = this.cost[s]! + dCost;
    this.unpriced[s] = this.unpriced[s]! + dUnpriced;
    return false;
  }

  /** The rows' keys in key order (packed ones by lead, then packed rest; loose ones last). */
  keys(): DeltaKeys {
    const lead: number[] = [];
    const rest: number[] = [];
    for (const l of [...this.leads.keys()].sort((a, b) => a - b)) {
      const rs = [...this.leads.get(l)!.keys()].sort((a, b) => a - b);
      for (const r of rs) {
        lead.push(l);
        rest.push(r);
      }
    }
    return { lead, rest, loose: [...this.loose.keys()] };
  }

  /**
   * Removes the row at position j of `k` (a keys() answer) and writes its key values into `v` and its deltas into
   * `d` ([cost, unpriced]); false when the row is gone (written before).
   */
  take(k: DeltaKeys, j: number, v: number[], d: number[]): boolean {
    let s: number | undefined;
    if (j < k.lead.length) {
      const l = k.lead[j]!;
      const m = this.leads.get(l);
      const r = k.rest[j]!;
      s = m?.get(r);
      if (s === undefined) return false;
      m!.delete(r);
      if (m!.size === 0) {
        this.leads.delete(l);
        if (this.lastMap === m) this.lastMap = undefined;
        if (this.lastLead === l) this.lastLead = NaN;
      }
      v[0] = l;
      let x = r;
      for (let i = 1; i < this.cols.length; i++) {
        const w = this.mult[i - 1]!;
        const q = Math.floor(x / w);
        v[i] = q;
        x -= q * w;
      }
    } else {
      const key = k.loose[j - k.lead.length]!;
      s = this.loose.get(key);
      if (s === undefined) return false;
      this.loose.delete(key);
      const parts = key.split('|');
      for (let i = 0; i < parts.length; i++) v[i] = Number(parts[i]);
    }
    d[0] = this.cost[s]!;
    d[1] = this.unpriced[s]!;
    this.freeSlots.push(s);
    this.size--;
    return true;
  }
}

/** A DeltaMap's keys in order, as taken by a drain (rows may be summed into or written meanwhile). */
export interface DeltaKeys {
  lead: number[];
  rest: number[];
  loose: string[];
}

/** How many keys a DeltaKeys holds. */
export const deltaKeyCount = (k: DeltaKeys): number => k.lead.length + k.loose.length;
