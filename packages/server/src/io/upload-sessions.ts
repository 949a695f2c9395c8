// Chunked, resumable usage-import sessions (Plus v1.11.7 shape): `<id>.part` + `<id>.json` under
// <dataDir>/usage-imports/, so an interrupted upload resumes after a restart from `received_bytes`.
// Refusals are ServerErrors with closed `usage_import_session_*` codes; the error handler answers them.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Config } from '../config';
import { ServerError } from '../errors';
import type { ImportOutcome, ImportResult } from './usage-import';

export type UploadSessionStatus = 'uploading' | 'ready' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface UploadSession {
  id: string;
  filename: string;
  status: UploadSessionStatus;
  size_bytes: number;
  received_bytes: number;
  chunk_size_bytes: number;
  created_at_ms: number;
  updated_at_ms: number;
  expires_at_ms: number;
  retryable: boolean;
  error?: string;
  result?: ImportResult;
  resume_key?: string;
}

/** An answer with the status it is sent with (201 created, 202 still processing, 200 otherwise). */
export interface SessionAnswer {
  status: 200 | 201 | 202;
  session: UploadSession;
}

export interface UploadSessions {
  /** `body` is the request body's text (null when it was not one small JSON document). */
  create(body: string | null): Promise<SessionAnswer>;
  get(id: string): Promise<UploadSession>;
  /** Appends one chunk at `offset` (the session's received_bytes); a failed write is rolled back. */
  appendChunk(id: string, chunk: { offset: unknown; declaredBytes: number; body: unknown }): Promise<UploadSession>;
  /** Starts the import in the background (202), or reports a finished one (200). */
  complete(id: string): Promise<SessionAnswer>;
  cancel(id: string): Promise<SessionAnswer>;
  /** Waits for imports still running. */
  close(): Promise<void>;
}

export interface UploadSessionsOptions {
  dataDir: string;
  limits: Config['import'];
  now: () => number;
  importFile: (path: string) => Promise<ImportOutcome>;
  logger: { error(obj: object, msg: string): void };
}

const ACTIVE: ReadonlySet<UploadSessionStatus> = new Set<UploadSessionStatus>(['uploading', 'ready', 'processing']);
const SESSION_ID = /^[0-9a-f]{32}$/;
const CreateSessionBody = z
  .object({
    filename: z.string().min(1).max(4096),
    size_bytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    resume_key: z.string().regex(/^[0-9a-fA-F]{32}$/, { message: 'use 32 hex characters' }).optional(),
  })
  .strict();

const invalid = (message: string) => new ServerError('usage_import_session_invalid_request', message);
const conflict = (message: string) => new ServerError('usage_import_session_conflict', message);
const tooLarge = (message: string) => new ServerError('usage_import_session_too_large', message);

export function createUploadSessions(opts: UploadSessionsOptions): UploadSessions {
  const { limits, now } = opts;
  const dir = join(opts.dataDir, 'usage-imports');
  const sessions = new Map<string, UploadSession>();
  const busy = new Set<string>();
  const running = new Set<Promise<void>>();
  let loaded: Promise<void> | null = null;
  const metaPath = (id: string) => join(dir, `${id}.json`);
  const partPath = (id: string) => join(dir, `${id}.part`);
  const save = async (m: UploadSession) => {
    m.updated_at_ms = now();
    await writeFile(metaPath(m.id), JSON.stringify(m), { mode: 0o600 });
  };
  const drop = async (id: string) => {
    sessions.delete(id);
    await rm(partPath(id), { force: true });
    await rm(metaPath(id), { force: true });
  };
  // Loaded on first use (never at start-up); an import cut off by a restart becomes a retryable failure.
  const load = () =>
    (loaded ??= (async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const name of await readdir(dir)) {
        const id = name.replace(/\.json$/, '');
        if (!name.endsWith('.json') || !SESSION_ID.test(id)) continue;
        const st = await lstat(metaPath(id));
        if (!st.isFile() || st.isSymbolicLink()) continue;
        try {
          const m = JSON.parse(await readFile(metaPath(id), 'utf8')) as UploadSession;
          if (m.status === 'processing') Object.assign(m, { status: 'failed', retryable: true, error: 'The server restarted during the import; complete the session again (imported records are skipped as duplicates).' });
          sessions.set(id, m);
        } catch {
          await rm(metaPath(id), { force: true });
        }
      }
    })());
  const expire = async () => {
    await load();
    for (const m of [...sessions.values()]) if (m.expires_at_ms <= now() && m.status !== 'processing') await drop(m.id);
  };
  const find = async (id: string): Promise<UploadSession> => {
    await expire();
    const m = SESSION_ID.test(id) ? sessions.get(id) : undefined;
    if (!m) {
      throw new ServerError('usage_import_session_not_found', `No import session "${id}" (expired after ${limits.sessionTtlMinutes} min, cancelled, or never created); start a new one with POST /v0/management/usage/import-sessions.`);
    }
    return m;
  };

  return {
    async create(text) {
      let parsed: z.ZodSafeParseResult<z.infer<typeof CreateSessionBody>> | null = null;
      try {
        parsed = text === null ? null : CreateSessionBody.safeParse(JSON.parse(text));
      } catch {
        parsed = null;
      }
      if (!parsed?.success) {
        const issue = parsed?.error.issues[0];
        const detail = issue ? `body.${issue.path.join('.')}: ${issue.message}` : 'the body is not one JSON object of at most 64 KB';
        throw invalid(`Invalid import session request (${detail}); send {"filename":"usage.jsonl","size_bytes":N,"resume_key":"<32 hex>"}.`);
      }
      const filename = [...basename(parsed.data.filename.replace(/\\/g, '/'))].slice(0, 240).join('') || 'upload';
      const { size_bytes: size, resume_key: resumeKey } = parsed.data;
      await expire();
      const active = [...sessions.values()].filter((m) => ACTIVE.has(m.status));
      if (resumeKey) {
        const same = active.find((m) => m.resume_key === resumeKey.toLowerCase());
        if (same && same.filename === filename && same.size_bytes === size) return { status: 201, session: same };
        if (same) throw conflict(`The resume_key belongs to another upload (${same.filename}, ${same.size_bytes} bytes); use a new resume_key for a different file.`);
      }
      if (active.length >= limits.maxSessions) {
        throw new ServerError('usage_import_session_limit_exceeded', `At most ${limits.maxSessions} import sessions may be active; complete or DELETE one first (USAGE_IMPORT_MAX_SESSIONS raises the limit).`);
      }
      const reserved = active.reduce((n, m) => n + m.size_bytes, 0);
      if (reserved + size > limits.diskQuotaBytes) {
        throw new ServerError('usage_import_session_quota_exceeded', `Importing ${size} bytes would pass the import disk quota of ${limits.diskQuotaBytes} bytes (${reserved} reserved by active sessions); finish those first or raise USAGE_IMPORT_DISK_QUOTA_BYTES.`);
      }
      const at = now();
      const m: UploadSession = {
        id: randomUUID().replace(/-/g, ''),
        filename,
        status: 'uploading',
        size_bytes: size,
        received_bytes: 0,
        chunk_size_bytes: limits.chunkBytes,
        created_at_ms: at,
        updated_at_ms: at,
        expires_at_ms: at + limits.sessionTtlMinutes * 60_000,
        retryable: false,
        ...(resumeKey ? { resume_key: resumeKey.toLowerCase() } : {}),
      };
      await writeFile(partPath(m.id), '', { mode: 0o600 });
      await save(m);
      sessions.set(m.id, m);
      return { status: 201, session: m };
    },

    get: find,

    async appendChunk(id, chunk) {
      const m = await find(id);
      const offset = Number(chunk.offset);
      if (!Number.isSafeInteger(offset) || offset < 0) throw invalid(`Invalid querystring.offset: send ?offset=${m.received_bytes} (the session's received_bytes).`);
      if (m.status !== 'uploading') throw conflict(`The session is ${m.status}, not uploading; no more chunks are accepted.`);
      if (busy.has(id)) throw conflict('Another chunk for this session is being written; send one chunk at a time.');
      if (offset !== m.received_bytes) throw conflict(`Chunk offset ${offset} does not match received_bytes ${m.received_bytes}; resume from ${m.received_bytes}.`);
      const max = Math.min(m.chunk_size_bytes, m.size_bytes - m.received_bytes);
      if (Number.isFinite(chunk.declaredBytes) && chunk.declaredBytes > max) {
        throw tooLarge(`The chunk is ${chunk.declaredBytes} bytes; at most ${max} fit (chunk_size_bytes ${m.chunk_size_bytes}, ${m.size_bytes - m.received_bytes} bytes left).`);
      }
      const body = chunk.body;
      if (!(body instanceof Readable)) throw invalid('Send the chunk as the raw request body.');
      busy.add(id);
      let written = 0;
      try {
        const counter = new Transform({
          transform(data: Buffer, _enc, done) {
            written += data.length;
            if (written > max) done(Object.assign(new Error('chunk too large'), { tooLarge: true }));
            else done(null, data);
          },
        });
        await pipeline(body, counter, createWriteStream(partPath(id), { flags: 'a', mode: 0o600 }));
      } catch (error) {
        // Roll the partial chunk back so the client can resend it from the same offset.
        await truncate(partPath(id), m.received_bytes).catch(() => undefined);
        if ((error as { tooLarge?: boolean }).tooLarge) throw tooLarge(`The chunk is larger than the ${max} bytes that fit; send chunks of at most chunk_size_bytes.`);
        throw error;
      } finally {
        busy.delete(id);
      }
      m.received_bytes += written;
      if (m.received_bytes === m.size_bytes) m.status = 'ready';
      await save(m);
      return m;
    },

    async complete(id) {
      const m = await find(id);
      if (m.status === 'completed') return { status: 200, session: m };
      if (m.status === 'processing') return { status: 202, session: m };
      if (!(m.status === 'ready' || (m.status === 'failed' && m.retryable))) {
        throw conflict(`The session is ${m.status} with ${m.received_bytes} of ${m.size_bytes} bytes; upload every chunk before completing.`);
      }
      Object.assign(m, { status: 'processing', retryable: false });
      delete m.error;
      await save(m);
      const job = (async () => {
        try {
          const outcome = await opts.importFile(partPath(id));
          if (outcome.ok) Object.assign(m, { status: 'completed', result: outcome.result });
          else Object.assign(m, { status: 'failed', error: outcome.error.error, retryable: false });
        } catch (error) {
          opts.logger.error({ err: error, session: id }, 'import session failed');
          Object.assign(m, { status: 'failed', retryable: true, error: 'The import failed on the server; see the server log, then complete again (imported records are skipped as duplicates).' });
        }
        // Keep the file only when completing again can still succeed.
        if (!m.retryable) await rm(partPath(id), { force: true });
        await save(m).catch(() => undefined);
      })();
      running.add(job);
      void job.finally(() => running.delete(job));
      return { status: 202, session: m };
    },

    async cancel(id) {
      const m = await find(id);
      // A running import cannot be stopped half-way; what it committed stays (as in Plus).
      if (m.status === 'processing') return { status: 202, session: m };
      await drop(id);
      return { status: 200, session: { ...m, status: 'cancelled' } };
    },

    async close() {
      await Promise.allSettled([...running]);
    },
  };
}
