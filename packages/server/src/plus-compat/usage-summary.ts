// Plus's GET /v0/management/model-prices/usage-summary rows: per model name, how many calls asked for it
// (`requested_calls`: the client's model, i.e. the alias when CPA mapped one) and how many were served by it
// under another requested name (`resolved_calls`), over the most recent events (a sample, as in Plus).
// The route itself lives in routes/prices.routes.ts (the price work's file); it answers with these rows.
import type { ServerStore } from '../server-store';

/** At most this many recent events are read, newest first (Plus also samples). */
export const USAGE_SUMMARY_SAMPLE = 50_000;
const PAGE = 1000;

export interface PlusModelUsage {
  model: string;
  calls: number;
  requested_calls: number;
  resolved_calls: number;
}

export async function plusModelUsage(
  store: Pick<ServerStore, 'events'>,
  sample = USAGE_SUMMARY_SAMPLE,
): Promise<{ sampled_events: number; total_events: number; truncated: boolean; models: PlusModelUsage[] }> {
  const rows = new Map<string, PlusModelUsage>();
  const row = (model: string) => {
    let r = rows.get(model);
    if (!r) rows.set(model, (r = { model, calls: 0, requested_calls: 0, resolved_calls: 0 }));
    return r;
  };
  let sampled = 0;
  let cursor: string | null = null;
  while (sampled < sample) {
    const page = await store.events.list({}, { limit: Math.min(PAGE, sample - sampled), cursor });
    for (const e of page.events) {
      const requested = e.alias || e.model;
      row(requested).requested_calls++;
      if (e.alias && e.alias !== e.model) row(e.model).resolved_calls++;
    }
    sampled += page.events.length;
    cursor = page.nextCursor;
    if (!cursor || page.events.length === 0) break;
  }
  const total = await store.events.count();
  const models = [...rows.values()]
    .map((r) => ({ ...r, calls: r.requested_calls + r.resolved_calls }))
    .sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model));
  return { sampled_events: sampled, total_events: total, truncated: sampled < total, models };
}
