import { z } from 'zod';
import type { CpaClient } from '../api/cpa-client';

const VertexImportSchema = z.looseObject({ 'auth-file': z.string().optional().catch(undefined), project_id: z.string().optional().catch(undefined) });

/** POST /vertex/import (multipart `file`, optional `location`): CPA saves a vertex auth file from a service-account JSON. */
export async function importVertexCredential(c: CpaClient, file: File, location: string) {
  const form = new FormData();
  form.append('file', file, file.name);
  if (location) form.append('location', location);
  return c.json('POST', '/vertex/import', VertexImportSchema, { body: form, timeoutMs: 60_000 });
}
