/** Just enough multipart/form-data parsing for auth-file uploads and the Vertex import form. */

export interface UploadedFile {
  field: string;
  filename: string;
  content: Buffer;
}

export interface MultipartForm {
  files: UploadedFile[];
  /** Plain (non-file) fields, first value per name. */
  fields: Map<string, string>;
}

export function parseMultipartForm(body: Buffer, contentType: string): MultipartForm | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return null;
  const delim = Buffer.from(`--${boundary}`);
  const form: MultipartForm = { files: [], fields: new Map() };
  let pos = body.indexOf(delim);
  if (pos < 0) return null;
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after delimiter and before the next one
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disp = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const field = /\bname="([^"]*)"/i.exec(disp)?.[1] ?? '';
      const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
      const content = part.subarray(headerEnd + 4);
      if (filename !== undefined) form.files.push({ field, filename, content });
      else if (!form.fields.has(field)) form.fields.set(field, content.toString('utf8'));
    }
    pos = next;
  }
  return form;
}

export function parseMultipart(body: Buffer, contentType: string): UploadedFile[] | null {
  return parseMultipartForm(body, contentType)?.files ?? null;
}
