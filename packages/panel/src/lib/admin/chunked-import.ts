import {
  completeImportSession,
  createImportSession,
  getImportSession,
  putImportChunk,
  type ImportSession,
} from '../api/admin-api';
import type { ManagerClient } from '../api/manager-client';
import { isPanelError } from '../api/errors';
import { resumeKey } from './resume-key';

export interface ImportProgress {
  phase: 'uploading' | 'processing';
  sent: number;
  size: number;
}

export interface ImportRunOptions {
  signal?: AbortSignal;
  onProgress(p: ImportProgress): void;
  /** Called as soon as the server session exists (so the page can cancel it). */
  onSession?(s: ImportSession): void;
  pollMs?: number;
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    }, { once: true });
  });

/**
 * Uploads a file through the chunked import sessions and waits for the server's report. Calling it again
 * with the same file after a failure resumes: the resume key finds the open session and its received bytes.
 */
export async function runChunkedImport(c: ManagerClient, file: File, o: ImportRunOptions): Promise<ImportSession> {
  const { signal } = o;
  let s = await createImportSession(c, { filename: file.name, size_bytes: file.size, resume_key: resumeKey(file) }, { signal });
  o.onSession?.(s);
  o.onProgress({ phase: 'uploading', sent: s.received_bytes, size: file.size });
  let conflicts = 0;
  while (s.status === 'uploading') {
    const from = s.received_bytes;
    const chunk = file.slice(from, Math.min(file.size, from + s.chunk_size_bytes));
    try {
      s = await putImportChunk(c, s.id, from, chunk, { signal });
      conflicts = 0;
    } catch (e) {
      // Another tab or an earlier attempt moved the offset: re-read it once and continue from there.
      if (isPanelError(e) && e.status === 409 && conflicts++ === 0) {
        s = await getImportSession(c, s.id, { signal });
        continue;
      }
      throw e;
    }
    o.onProgress({ phase: 'uploading', sent: s.received_bytes, size: file.size });
  }
  if (s.status === 'ready' || (s.status === 'failed' && s.retryable)) s = await completeImportSession(c, s.id, { signal });
  o.onProgress({ phase: 'processing', sent: file.size, size: file.size });
  while (s.status === 'processing') {
    await wait(o.pollMs ?? 400, signal);
    s = await getImportSession(c, s.id, { signal });
  }
  return s;
}
