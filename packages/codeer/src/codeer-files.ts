import { InvalidArgumentError, validateArgument, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { checkOptions, type CodeerContext } from './codeer-context';
import type { CodeerRequestOptions } from './codeer-request-options';
import { codeerUploadedFileSchema, parseResponseData, type CodeerUploadedFile } from './codeer-response-schemas';

/** Input of `files.upload` (`POST /chats/upload-file`). */
export interface UploadFileInput {
  /** The file's content: a `Blob`/`File`, bytes (`Uint8Array`, `Buffer`) or an `ArrayBuffer`. */
  file: Blob | Uint8Array | ArrayBuffer;
  /** The file name sent with the part. Default: the `File`'s own name; required otherwise. */
  filename?: string;
  /**
   * The part's MIME type. Default: the `Blob`'s type, else guessed from the file name's extension
   * (common document, text and image types); required when neither gives one, because Codeer
   * rejects `application/octet-stream` uploads.
   */
  contentType?: string;
  /** `persistent` (server default) or `ephemeral` (this conversation only). Sent in the JSON `data` field. */
  scope?: 'persistent' | 'ephemeral';
}

/** Uploads for attaching to messages. */
export interface CodeerFiles {
  /**
   * `POST /chats/upload-file` as `multipart/form-data`: a `file` part and, when `scope` is given, a
   * `data` part holding the JSON string `{"scope": …}`. Pass the returned `uuid` in `attachedFileUuids`.
   */
  upload(input: UploadFileInput, options?: CodeerRequestOptions): Promise<CodeerUploadedFile>;
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const uploadSchema = lazySchema(() =>
  z.strictObject({
    file: z.union([z.instanceof(Blob), z.instanceof(Uint8Array), z.instanceof(ArrayBuffer)], {
      error: 'must be a Blob, a File, a Uint8Array or an ArrayBuffer',
    }),
    filename: z
      .string()
      .min(1, 'must not be empty')
      .max(255)
      .regex(/^[^\r\n"\\/]+$/, 'must be a plain file name (no path, quotes or line breaks)')
      .optional(),
    contentType: z
      .string()
      .regex(/^[\w.+-]+\/[\w.+-]+(?:\s*;.*)?$/, 'must be a MIME type such as application/pdf')
      .optional(),
    scope: z.enum(['persistent', 'ephemeral']).optional(),
  }),
);

export function createCodeerFiles(ctx: CodeerContext): CodeerFiles {
  return {
    async upload(input, options) {
      const i = validateArgument(uploadSchema, input, 'input');
      const opts = checkOptions(options);
      const filename =
        i.filename ?? (typeof File !== 'undefined' && i.file instanceof File && i.file.name ? i.file.name : undefined);
      if (!filename)
        throw new InvalidArgumentError('input.filename', 'is required unless input.file is a File with a name');
      const blobType = i.file instanceof Blob && i.file.type ? i.file.type : undefined;
      const extension = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
      const contentType = i.contentType ?? blobType ?? (extension ? MIME_BY_EXTENSION[extension] : undefined);
      if (!contentType) {
        throw new InvalidArgumentError(
          'input.contentType',
          `is required: no MIME type could be found for "${filename}"`,
        );
      }
      const blob =
        i.file instanceof Blob
          ? i.file.type === contentType
            ? i.file
            : new Blob([i.file], { type: contentType })
          : new Blob([copyBytes(i.file)], { type: contentType });
      const form = new FormData();
      form.append('file', blob, filename);
      if (i.scope !== undefined) form.append('data', JSON.stringify({ scope: i.scope }));
      const { data, url } = await ctx.http.envelope(
        { method: 'POST', path: '/chats/upload-file', body: { multipart: form } },
        opts,
      );
      return parseResponseData(codeerUploadedFileSchema, data, 'uploaded file', url);
    },
  };
}

function copyBytes(bytes: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
