// POST /v0/management/usage/import: the raw body (JSONL in any of our/Plus/raw-CPA shapes, or a CPA legacy
// JSON snapshot) is streamed to a temp file under <dataDir>/usage-imports/ — never buffered in memory — and
// then imported by the store with the collector's normalizeRecord. Dedup makes re-imports harmless.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { normalizeRecord } from '@cpamp/collector';
import { StoreImportError, isStoreError, type ImportReport, type Store } from '@cpamp/store';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context';
import { ServerError } from '../errors';

/** Plus allows 64 MiB; we stream to disk, so a larger one-shot upload costs no memory. */
export const IMPORT_BODY_LIMIT = 512 * 1024 * 1024;

function requireStore(ctx: ServerContext): Store {
  if (!ctx.store) throw new ServerError('store_unavailable', 'This server runs without a usage database, so nothing can be imported. Start it with a data directory.');
  return ctx.store;
}

function tooLarge(): ServerError {
  return new ServerError('body_too_large', `The import is larger than ${IMPORT_BODY_LIMIT / 1024 ** 2} MiB. Split the JSONL file and import the parts (duplicates are skipped), or run \`cpamp import <file>\` on the server.`);
}

/** Counts bytes and stops the upload once it passes the limit. */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(tooLarge());
      else done(null, chunk);
    },
  });
}


type ImportResult = ReturnType<typeof toResult>;
type ImportOutcome = { ok: true; result: ImportResult } | { ok: false; error: Record<string, unknown> };

function toResult(report: ImportReport) {
  return {
    format: report.format,
    added: report.inserted,
    skipped: report.duplicates,
    total: report.read,
    failed: report.rejected,
    unsupported: 0,
    warnings: report.warnings,
    rejections: report.rejections,
  };
}

/** Imports a file on disk; the caller's mistakes (a broken line, an unknown format) become a 400 body. */
async function importUploadedFile(store: Store, file: string): Promise<ImportOutcome> {
  try {
    return { ok: true, result: toResult(await store.io.importFile(file, { normalize: normalizeRecord })) };
  } catch (error) {
    if (error instanceof StoreImportError) {
      return {
        ok: false,
        error: {
          error: `Line ${error.line} of the uploaded file is not valid JSON; the ${error.committed} records before it were imported. Fix that line and import the file again (already imported records are skipped as duplicates).`,
          code: 'import_parse_error',
          line: error.line,
          committed: error.committed,
        },
      };
    }
    if (isStoreError(error) && error.code.startsWith('import_')) {
      // The store names the temp file; the caller knows it as the uploaded file.
      return { ok: false, error: { error: error.message.split(file).join('the uploaded file'), code: error.code } };
    }
    throw error;
  }
}

// Chunked, resumable import sessions (Plus v1.11.7 shape): `<id>.part` + `<id>.json` under
// <dataDir>/usage-imports/, so an interrupted upload resumes after a restart from `received_bytes`.
type SessionStatus = 'uploading' | 'ready' | 'processing' | 'completed' | 'failed' | 'cancelled';
interface ImportSessionMeta {
  id: string;
  filename: string;
  status: SessionStatus;
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
const ACTIVE: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['uploading', 'ready', 'processing']);
const CREATE_BODY_LIMIT = 64 * 1024;
const CreateSessionBody = z
  .object({
    filename: z.string().min(1).max(4096),
    size_bytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    resume_key: z.string().regex(/^[0-9a-fA-F]{32}$/, { message: 'use 32 hex characters' }).optional(),
  })
  .strict();
const SESSION_ID = /^[0-9a-f]{32}$/;

function sessionError(reply: FastifyReply, status: number, code: string, error: string): FastifyReply {
  return reply.status(status).send({ error, code });
}

async function readSmallBody(body: unknown, limit: number): Promise<string | null> {
  if (!(body instanceof Readable)) return null;
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > limit) return null;
  }
  return text;
}

/** The stream of the multipart field `file` (other fields before it are skipped). */
async function multipartFile(request: FastifyRequest): Promise<Readable> {
  for await (const part of request.parts()) {
    if (part.type === 'file' && part.fieldname === 'file') return part.file;
    if (part.type === 'file') part.file.resume();
  }
  throw new ServerError('bad_request', 'The multipart form has no field "file"; send the usage file as the form field named file, e.g. curl -F file=@usage.jsonl.');
}

export default async function importRoutes(app: FastifyInstance, opts: { ctx: ServerContext }): Promise<void> {
  const { ctx } = opts;
  // Encapsulated: only this plugin's routes get the body as a raw stream, whatever its Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // multipart/form-data (a browser form or `curl -F file=@usage.jsonl`): the `file` field is streamed to the
  // same temp file as a raw body; never buffered. One file per request.
  await app.register(multipart, { limits: { files: 1, fields: 10, fileSize: IMPORT_BODY_LIMIT + 1, parts: 20 } });

  app.post('/v0/management/usage/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) => {
    const store = requireStore(ctx);
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > IMPORT_BODY_LIMIT) throw tooLarge();
    const body = request.isMultipart() ? await multipartFile(request) : request.body;
    if (!(body instanceof Readable)) {
      throw new ServerError('bad_request', 'Send the file as the raw request body (JSONL or a JSON usage snapshot), e.g. curl --data-binary @usage.jsonl.');
    }
    const dir = join(ctx.config.dataDir, 'usage-imports');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `upload-${randomUUID()}.part`);
    try {
      await pipeline(body, byteLimit(IMPORT_BODY_LIMIT), createWriteStream(file, { mode: 0o600 }));
      const outcome = await importUploadedFile(store, file);
      if (outcome.ok) return outcome.result;
      return reply.status(400).send(outcome.error);
    } finally {
      await rm(file, { force: true });
    }
  });

  const dir = join(ctx.config.dataDir, 'usage-imports');
  const limits = ctx.config.import;
  const sessions = new Map<string, ImportSessionMeta>();
  const busy = new Set<string>();
  const running = new Set<Promise<void>>();
  let loaded: Promise<void> | null = null;
  const metaPath = (id: string) => join(dir, `${id}.json`);
  const partPath = (id: string) => join(dir, `${id}.part`);
  const save = async (m: ImportSessionMeta) => {
    m.updated_at_ms = ctx.now();
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
          const m = JSON.parse(await readFile(metaPath(id), 'utf8')) as ImportSessionMeta;
          if (m.status === 'processing') Object.assign(m, { status: 'failed', retryable: true, error: 'The server restarted during the import; complete the session again (imported records are skipped as duplicates).' });
          sessions.set(id, m);
        } catch {
          await rm(metaPath(id), { force: true });
        }
      }
    })());
  const expire = async () => {
    await load();
    for (const m of [...sessions.values()]) if (m.expires_at_ms <= ctx.now() && m.status !== 'processing') await drop(m.id);
  };
  const find = async (id: string): Promise<ImportSessionMeta | undefined> => {
    await expire();
    return SESSION_ID.test(id) ? sessions.get(id) : undefined;
  };
  const notFound = (reply: FastifyReply, id: string) =>
    sessionError(reply, 404, 'usage_import_session_not_found', `No import session "${id}" (expired after ${limits.sessionTtlMinutes} min, cancelled, or never created); start a new one with POST /v0/management/usage/import-sessions.`);

  app.addHook('onClose', async () => {
    await Promise.allSettled([...running]);
  });

  app.post('/v0/management/usage/import-sessions', { bodyLimit: CREATE_BODY_LIMIT }, async (request, reply) => {
    requireStore(ctx);
    const text = await readSmallBody(request.body, CREATE_BODY_LIMIT);
    let parsed: z.ZodSafeParseResult<z.infer<typeof CreateSessionBody>> | null = null;
    try {
      parsed = text === null ? null : CreateSessionBody.safeParse(JSON.parse(text));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      const issue = parsed?.error.issues[0];
      const detail = issue ? `body.${issue.path.join('.')}: ${issue.message}` : 'the body is not one JSON object of at most 64 KB';
      return sessionError(reply, 400, 'usage_import_session_invalid_request', `Invalid import session request (${detail}); send {"filename":"usage.jsonl","size_bytes":N,"resume_key":"<32 hex>"}.`);
    }
    const filename = [...basename(parsed.data.filename.replace(/\\/g, '/'))].slice(0, 240).join('') || 'upload';
    const { size_bytes: size, resume_key: resumeKey } = parsed.data;
    await expire();
    const active = [...sessions.values()].filter((m) => ACTIVE.has(m.status));
    if (resumeKey) {
      const same = active.find((m) => m.resume_key === resumeKey.toLowerCase());
      if (same && same.filename === filename && same.size_bytes === size) return reply.status(201).send(same);
      if (same) return sessionError(reply, 409, 'usage_import_session_conflict', `The resume_key belongs to another upload (${same.filename}, ${same.size_bytes} bytes); use a new resume_key for a different file.`);
    }
    if (active.length >= limits.maxSessions) {
      return sessionError(reply, 429, 'usage_import_session_limit_exceeded', `At most ${limits.maxSessions} import sessions may be active; complete or DELETE one first (USAGE_IMPORT_MAX_SESSIONS raises the limit).`);
    }
    const reserved = active.reduce((n, m) => n + m.size_bytes, 0);
    if (reserved + size > limits.diskQuotaBytes) {
      return sessionError(reply, 507, 'usage_import_session_quota_exceeded', `Importing ${size} bytes would pass the import disk quota of ${limits.diskQuotaBytes} bytes (${reserved} reserved by active sessions); finish those first or raise USAGE_IMPORT_DISK_QUOTA_BYTES.`);
    }
    const now = ctx.now();
    const m: ImportSessionMeta = {
      id: randomUUID().replace(/-/g, ''),
      filename,
      status: 'uploading',
      size_bytes: size,
      received_bytes: 0,
      chunk_size_bytes: limits.chunkBytes,
      created_at_ms: now,
      updated_at_ms: now,
      expires_at_ms: now + limits.sessionTtlMinutes * 60_000,
      retryable: false,
      ...(resumeKey ? { resume_key: resumeKey.toLowerCase() } : {}),
    };
    await writeFile(partPath(m.id), '', { mode: 0o600 });
    await save(m);
    sessions.set(m.id, m);
    return reply.status(201).send(m);
  });

  app.get('/v0/management/usage/import-sessions/:id', { exposeHeadRoute: false }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const m = await find(id);
    return m ?? notFound(reply, id);
  });

  app.put('/v0/management/usage/import-sessions/:id/chunk', { bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const m = await find(id);
    if (!m) return notFound(reply, id);
    const offset = Number((request.query as { offset?: string }).offset);
    if (!Number.isSafeInteger(offset) || offset < 0) return sessionError(reply, 400, 'usage_import_session_invalid_request', `Invalid querystring.offset: send ?offset=${m.received_bytes} (the session's received_bytes).`);
    if (m.status !== 'uploading') return sessionError(reply, 409, 'usage_import_session_conflict', `The session is ${m.status}, not uploading; no more chunks are accepted.`);
    if (busy.has(id)) return sessionError(reply, 409, 'usage_import_session_conflict', 'Another chunk for this session is being written; send one chunk at a time.');
    if (offset !== m.received_bytes) return sessionError(reply, 409, 'usage_import_session_conflict', `Chunk offset ${offset} does not match received_bytes ${m.received_bytes}; resume from ${m.received_bytes}.`);
    const max = Math.min(m.chunk_size_bytes, m.size_bytes - m.received_bytes);
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > max) return sessionError(reply, 413, 'usage_import_session_too_large', `The chunk is ${declared} bytes; at most ${max} fit (chunk_size_bytes ${m.chunk_size_bytes}, ${m.size_bytes - m.received_bytes} bytes left).`);
    if (!(request.body instanceof Readable)) return sessionError(reply, 400, 'usage_import_session_invalid_request', 'Send the chunk as the raw request body.');
    busy.add(id);
    let written = 0;
    try {
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          written += chunk.length;
          if (written > max) done(Object.assign(new Error('chunk too large'), { tooLarge: true }));
          else done(null, chunk);
        },
      });
      await pipeline(request.body, counter, createWriteStream(partPath(id), { flags: 'a', mode: 0o600 }));
    } catch (error) {
      // Roll the partial chunk back so the client can resend it from the same offset.
      await truncate(partPath(id), m.received_bytes).catch(() => undefined);
      if ((error as { tooLarge?: boolean }).tooLarge) return sessionError(reply, 413, 'usage_import_session_too_large', `The chunk is larger than the ${max} bytes that fit; send chunks of at most chunk_size_bytes.`);
      throw error;
    } finally {
      busy.delete(id);
    }
    m.received_bytes += written;
    if (m.received_bytes === m.size_bytes) m.status = 'ready';
    await save(m);
    return m;
  });

  app.post('/v0/management/usage/import-sessions/:id/complete', async (request, reply) => {
    const store = requireStore(ctx);
    const { id } = request.params as { id: string };
    const m = await find(id);
    if (!m) return notFound(reply, id);
    if (m.status === 'completed') return reply.status(200).send(m);
    if (m.status === 'processing') return reply.status(202).send(m);
    if (!(m.status === 'ready' || (m.status === 'failed' && m.retryable))) {
      return sessionError(reply, 409, 'usage_import_session_conflict', `The session is ${m.status} with ${m.received_bytes} of ${m.size_bytes} bytes; upload every chunk before completing.`);
    }
    Object.assign(m, { status: 'processing', retryable: false });
    delete m.error;
    await save(m);
    const job = (async () => {
      try {
        const outcome = await importUploadedFile(store, partPath(id));
        if (outcome.ok) Object.assign(m, { status: 'completed', result: outcome.result });
        else Object.assign(m, { status: 'failed', error: String(outcome.error.error), retryable: false });
      } catch (error) {
        request.log.error({ err: error, session: id }, 'import session failed');
        Object.assign(m, { status: 'failed', retryable: true, error: 'The import failed on the server; see the server log, then complete again (imported records are skipped as duplicates).' });
      }
      // Keep the file only when completing again can still succeed.
      if (!m.retryable) await rm(partPath(id), { force: true });
      await save(m).catch(() => undefined);
    })();
    running.add(job);
    void job.finally(() => running.delete(job));
    return reply.status(202).send(m);
  });

  app.delete('/v0/management/usage/import-sessions/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const m = await find(id);
    if (!m) return notFound(reply, id);
    // A running import cannot be stopped half-way; what it committed stays (as in Plus).
    if (m.status === 'processing') return reply.status(202).send(m);
    await drop(id);
    return { ...m, status: 'cancelled' as const };
  });
}
