import { StoreError } from '../errors';

// Saved analytics views (issue #19): a named Monitoring state (range, filters, tab, sort) kept on the
// server so every browser and user of the install sees the same list.

export interface SavedView {
  id: number;
  name: string;
  /** The page's URL state: param name → value (e.g. range=7d, model=gpt-5, tab=key). */
  state: Record<string, string>;
  createdMs: number;
  updatedMs: number;
}

export interface SavedViewsRepository {
  /** By name. */
  list(): Promise<SavedView[]>;
  /** Creates the view, or replaces the state of the one with that name. */
  save(name: string, state: Record<string, string>): Promise<SavedView>;
  delete(id: number): Promise<boolean>;
}

export interface SavedViewRow {
  id: number;
  name: string;
  state: string;
  created_ms: number;
  updated_ms: number;
}

export const MAX_VIEW_NAME = 80;
const MAX_STATE_CHARS = 4096;

/** The checked name and state text of a save (both stores). */
export function checkView(name: string, state: Record<string, string>): { name: string; text: string } {
  const n = name.trim();
  if (n === '' || n.length > MAX_VIEW_NAME) {
    throw new StoreError('invalid_query', `A saved view needs a name of 1–${MAX_VIEW_NAME} characters.`);
  }
  const entries = Object.entries(state);
  if (entries.some(([k, v]) => typeof k !== 'string' || typeof v !== 'string')) {
    throw new StoreError('invalid_query', 'A saved view state maps parameter names to string values.');
  }
  const text = JSON.stringify(Object.fromEntries(entries.sort((a, b) => a[0].localeCompare(b[0]))));
  if (text.length > MAX_STATE_CHARS) {
    throw new StoreError('invalid_query', `A saved view state is limited to ${MAX_STATE_CHARS} characters.`);
  }
  return { name: n, text };
}

export function viewFromRow(r: SavedViewRow): SavedView {
  return {
    id: Number(r.id),
    name: r.name,
    state: JSON.parse(r.state) as Record<string, string>,
    createdMs: Number(r.created_ms),
    updatedMs: Number(r.updated_ms),
  };
}
