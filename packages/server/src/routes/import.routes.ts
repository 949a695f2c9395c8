// POST /v0/management/usage/import: the raw body (JSONL in any of our/Plus/raw-CPA shapes, or a CPA legacy
// JSON snapshot) is streamed to a temp file under <dataDir>/usage-imports/ — never buffered in memory — and
// then imported by the store. Dedup makes re-imports harmless. The chunked upload sessions
// (/usage/import-sessions) live in io/upload-sessions.ts; these routes only translate HTTP.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { ServerError } from '../errors';
import { createUploadSessions } from '../io/upload-sessions';
import { importUploadedFile, type UsageImportStore } from '../io/usage-import';

/** Plus allows 64 MiB; we stream to disk, so a larger one-shot upload costs no memory. */
export const IMPORT_BODY_LIMIT = 512 * 1024 * 1024;
const CREATE_BODY_LIMIT = 64 * 1024;

export interface ImportRoutesOptions {
  store: UsageImportStore;
  dataDir: string;
  limits: Config['import'];
  now: () => number;
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

export default async function importRoutes(app: FastifyInstance, opts: ImportRoutesOptions): Promise<void> {
  const { store } = opts;
  const dir = join(opts.dataDir, 'usage-imports');
  // Encapsulated: only this plugin's routes get the body as a raw stream, whatever its Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // multipart/form-data (a browser form or `curl -F file=@usage.jsonl`): the `file` field is streamed to the
  // same temp file as a raw body; never buffered. One file per request.
  await app.register(multipart, { limits: { files: 1, fields: 10, fileSize: IMPORT_BODY_LIMIT + 1, parts: 20 } });

  app.post('/v0/management/usage/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) => {
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > IMPORT_BODY_LIMIT) throw tooLarge();
    const body = request.isMultipart() ? await multipartFile(request) : request.body;
    if (!(body instanceof Readable)) {
      throw new ServerError('bad_request', 'Send the file as the raw request body (JSONL or a JSON usage snapshot), e.g. curl --data-binary @usage.jsonl.');
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `upload-${randomUUID()}.part`);
    try {
      await pipeline(body, byteLimit(IMPORT_BODY_LIMIT), createWriteStream(file, { mode: 0o600 }));
      const outcome = await importUploadedFile(store, file);
      if (outcome.ok) return outcome.result;
      // A store import code (import_parse_error …) with the line and what was committed before it.
      return reply.status(400).send(outcome.error);
    } finally {
      await rm(file, { force: true });
    }
  });

  const sessions = createUploadSessions({
    dataDir: opts.dataDir,
    limits: opts.limits,
    now: opts.now,
    importFile: (path) => importUploadedFile(store, path),
    logger: app.log,
  });
  app.addHook('onClose', () => sessions.close());

  const S = '/v0/management/usage/import-sessions';
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.post(S, { bodyLimit: CREATE_BODY_LIMIT }, async (request, reply) => {
    const answer = await sessions.create(await readSmallBody(request.body, CREATE_BODY_LIMIT));
    return reply.status(answer.status).send(answer.session);
  });

  app.get(`${S}/:id`, { exposeHeadRoute: false }, async (request) => sessions.get(idOf(request)));

  app.put(`${S}/:id/chunk`, { bodyLimit: IMPORT_BODY_LIMIT }, async (request) =>
    sessions.appendChunk(idOf(request), {
      offset: (request.query as { offset?: string }).offset,
      declaredBytes: Number(request.headers['content-length'] ?? NaN),
      body: request.body,
    }),
  );

  app.post(`${S}/:id/complete`, async (request, reply) => {
    const answer = await sessions.complete(idOf(request));
    return reply.status(answer.status).send(answer.session);
  });

  app.delete(`${S}/:id`, async (request, reply) => {
    const answer = await sessions.cancel(idOf(request));
    return reply.status(answer.status).send(answer.session);
  });
}
