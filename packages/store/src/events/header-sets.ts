import type Database from 'better-sqlite3';
import { packHeaders } from './header-codec';

/** What an event_extra row stores for a header object: the header set's id (null for JSON) and the text. */
export interface StoredHeaders {
  hset: number | null;
  text: string;
}

/**
 * The writer's side of the `header_set` dictionary (header-codec.ts). Not cached: a set created inside a batch
 * that is rolled back must not outlive it, and the lookup is one indexed read per event that has headers.
 */
export function createHeaderSets(writer: Database.Database): (h: Record<string, string>) => StoredHeaders {
  const find = writer.prepare('SELECT id FROM header_set WHERE names = ?').pluck();
  const add = writer.prepare('INSERT INTO header_set (names) VALUES (?)');
  return (h) => {
    const packed = packHeaders(h);
    if (!packed) return { hset: null, text: JSON.stringify(h) };
    const id =
      (find.get(packed.names) as number | undefined) ?? Number(add.run(packed.names).lastInsertRowid);
    return { hset: id, text: packed.values };
  };
}
