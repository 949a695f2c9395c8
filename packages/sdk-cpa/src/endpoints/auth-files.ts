// OAuth credential files: list, upload (multipart), download, delete, enable/disable, field edits, models.
import { FormData } from 'undici';
import { CpaError } from '../errors';
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import {
  AuthFileDeleteResultSchema,
  AuthFileListSchema,
  AuthFileModelsSchema,
  AuthFileStatusResultSchema,
  AuthFileUploadResultSchema,
  type CpaAuthFile,
  type CpaAuthFileModel,
  type CpaFailedItem,
} from '../schemas/auth-files.schema';
import { VertexImportResultSchema, type CpaVertexImportResult } from '../schemas/oauth.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaAuthFileUpload {
  /** File name in CPA's auth-dir; CPA requires the ".json" suffix. */
  name: string;
  /** File content: JSON text, bytes, or an object (serialised as JSON). */
  content: string | Uint8Array | object;
}

/** Outcome of a multi-file call; CPA answers 207 when some items failed. */
export interface CpaBatchResult {
  /** "ok", or "partial" when `failed` is not empty. */
  status: string;
  succeeded: string[];
  failed: CpaFailedItem[];
}

/** Fields CPA lets you edit on an auth file (PATCH /auth-files/fields). */
export interface CpaAuthFileFields {
  priority?: number;
  note?: string;
  weight?: number;
  prefix?: string;
  proxy_url?: string;
  websockets?: boolean;
  request_retry?: number;
  [field: string]: unknown;
}

export interface CpaAuthFilesApi {
  /** All credential files, sorted by name; filter by file name or by a usage record's auth_index. */
  list(filter?: { name?: string; authIndex?: string }, options?: CpaCallOptions): Promise<CpaAuthFile[]>;
  upload(file: CpaAuthFileUpload, options?: CpaCallOptions): Promise<void>;
  /** Several files in one multipart request; a 207 partial answer resolves with `failed` filled. */
  uploadMany(files: readonly CpaAuthFileUpload[], options?: CpaCallOptions): Promise<CpaBatchResult>;
  /** The raw file content (JSON text). */
  download(name: string, options?: CpaCallOptions): Promise<string>;
  delete(name: string, options?: CpaCallOptions): Promise<void>;
  deleteMany(names: readonly string[], options?: CpaCallOptions): Promise<CpaBatchResult>;
  /** Deletes every .json file in CPA's auth-dir. */
  deleteAll(options?: CpaCallOptions): Promise<{ deleted: number }>;
  /** Disable (true) or re-enable (false) a credential; `authIndex` also reaches config api-key entries. */
  setDisabled(
    name: string,
    disabled: boolean,
    options?: CpaCallOptions & { authIndex?: string },
  ): Promise<void>;
  patchFields(name: string, fields: CpaAuthFileFields, options?: CpaCallOptions): Promise<void>;
  /** POST /vertex/import: stores a Google service-account JSON as a Vertex credential. */
  importVertex(
    serviceAccount: string | object,
    options?: CpaCallOptions & { location?: string },
  ): Promise<CpaVertexImportResult>;
  /** Models available through this credential. */
  models(name: string, options?: CpaCallOptions): Promise<CpaAuthFileModel[]>;
}

function requireName(name: string, what: string): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new CpaError(
      'invalid_argument',
      `authFiles.${what}: the file name is empty. Pass the name as listed by authFiles.list().`,
    );
  }
}

function toBlob(content: CpaAuthFileUpload['content']): Blob {
  if (typeof content === 'string') return new Blob([content], { type: 'application/json' });
  if (content instanceof Uint8Array) return new Blob([new Uint8Array(content)], { type: 'application/json' });
  return new Blob([JSON.stringify(content)], { type: 'application/json' });
}

function formOf(files: readonly CpaAuthFileUpload[], what: string): FormData {
  const form = new FormData();
  for (const file of files) {
    requireName(file.name, what);
    form.append('file', toBlob(file.content), file.name);
  }
  return form;
}

export function createAuthFilesApi(http: HttpTransport): CpaAuthFilesApi {
  return {
    async list(filter, o) {
      const query = { name: filter?.name, auth_index: filter?.authIndex };
      const res = await http.json(
        { method: 'GET', path: '/auth-files', query, signal: o?.signal },
        AuthFileListSchema,
      );
      return res.files ?? [];
    },
    async upload(file, o) {
      await http.json(
        { method: 'POST', path: '/auth-files', body: formOf([file], 'upload'), signal: o?.signal },
        StatusOkSchema,
      );
    },
    async uploadMany(files, o) {
      if (files.length === 0) {
        throw new CpaError(
          'invalid_argument',
          'authFiles.uploadMany: no files given. Pass at least one { name, content }.',
        );
      }
      const res = await http.json(
        { method: 'POST', path: '/auth-files', body: formOf(files, 'uploadMany'), signal: o?.signal },
        AuthFileUploadResultSchema,
      );
      const failed = res.failed ?? [];
      // A single file gets CPA's short answer {"status":"ok"} without a file list.
      const succeeded = res.files ?? (failed.length === 0 ? files.map((f) => f.name) : []);
      return { status: res.status ?? (failed.length ? 'partial' : 'ok'), succeeded, failed };
    },
    async download(name, o) {
      requireName(name, 'download');
      return http.text({ method: 'GET', path: '/auth-files/download', query: { name }, signal: o?.signal });
    },
    async delete(name, o) {
      requireName(name, 'delete');
      await http.json(
        { method: 'DELETE', path: '/auth-files', query: { name }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    async deleteMany(names, o) {
      if (names.length === 0) return { status: 'ok', succeeded: [], failed: [] };
      names.forEach((n) => requireName(n, 'deleteMany'));
      const res = await http.json(
        { method: 'DELETE', path: '/auth-files', query: { name: names }, signal: o?.signal },
        AuthFileDeleteResultSchema,
      );
      const failed = res.failed ?? [];
      const succeeded = res.files ?? (failed.length === 0 ? [...names] : []);
      return { status: res.status ?? (failed.length ? 'partial' : 'ok'), succeeded, failed };
    },
    async deleteAll(o) {
      const res = await http.json(
        { method: 'DELETE', path: '/auth-files', query: { all: 'true' }, signal: o?.signal },
        AuthFileDeleteResultSchema,
      );
      return { deleted: res.deleted ?? 0 };
    },
    async setDisabled(name, disabled, o) {
      requireName(name, 'setDisabled');
      const json: Record<string, unknown> = { name, disabled };
      if (o?.authIndex) json.auth_index = o.authIndex;
      await http.json(
        { method: 'PATCH', path: '/auth-files/status', json, signal: o?.signal },
        AuthFileStatusResultSchema,
      );
    },
    async patchFields(name, fields, o) {
      requireName(name, 'patchFields');
      await http.json(
        { method: 'PATCH', path: '/auth-files/fields', json: { ...fields, name }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    importVertex(serviceAccount, o) {
      const form = new FormData();
      form.append('file', toBlob(serviceAccount), 'service-account.json');
      if (o?.location) form.append('location', o.location);
      return http.json(
        { method: 'POST', path: '/vertex/import', body: form, signal: o?.signal },
        VertexImportResultSchema,
      );
    },
    async models(name, o) {
      requireName(name, 'models');
      const res = await http.json(
        { method: 'GET', path: '/auth-files/models', query: { name }, signal: o?.signal },
        AuthFileModelsSchema,
      );
      return res.models ?? [];
    },
  };
}
