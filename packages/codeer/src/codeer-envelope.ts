import { ResponseDecodeError, type ErrorBodyDetails, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { CodeerApiError } from './codeer-api-error';
import { describeCodeerErrorCode } from './codeer-error-codes';

/** The `pagination` object of a list response. Every field may be missing; unknown fields are kept. */
export const codeerPaginationSchema = lazySchema(() =>
  z.looseObject({
    limit: z.number().nullish(),
    offset: z.number().nullish(),
    total_records: z.number().nullish(),
    total_pages: z.number().nullish(),
    current_page: z.number().nullish(),
    next_page: z.string().nullish(),
    prev_page: z.string().nullish(),
  }),
);

/** The `pagination` object of a list response (offset / limit). */
export type CodeerPagination = z.infer<typeof codeerPaginationSchema>;

/** Every JSON response: `{ data, message, error_code, pagination }`. */
export const codeerEnvelopeSchema = lazySchema(() =>
  z.looseObject({
    data: z.unknown(),
    message: z.string().nullish(),
    error_code: z.union([z.number(), z.string()]).nullish(),
    pagination: codeerPaginationSchema.nullish(),
  }),
);

/** Where a response came from, for errors. */
export interface EnvelopeContext {
  url: string;
  status: number;
  requestId?: string;
}

/** The unwrapped success: the envelope's `data` and `pagination`. */
export interface UnwrappedEnvelope {
  data: unknown;
  pagination: CodeerPagination | undefined;
}

function isFailureCode(code: unknown): boolean {
  return code !== undefined && code !== null && code !== 0 && code !== '0';
}

/**
 * Checks an envelope: `error_code` other than 0 throws {@link CodeerApiError} (whatever the HTTP status),
 * keeping the code and the platform's message. A missing `error_code` counts as success.
 */
export function unwrapEnvelope(body: unknown, context: EnvelopeContext, rawText?: string): UnwrappedEnvelope {
  const parsed = codeerEnvelopeSchema.safeParse(body);
  if (!parsed.success || typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ResponseDecodeError(
      'invalid-event',
      `Response from ${context.url} is not a Codeer envelope ({data, message, error_code})`,
      {
        excerpt: rawText ?? safeStringify(body),
      },
    );
  }
  const envelope = parsed.data;
  if (isFailureCode(envelope.error_code)) {
    throw new CodeerApiError({
      url: context.url,
      status: context.status,
      code: envelope.error_code ?? undefined,
      platformMessage: envelope.message || undefined,
      requestId: context.requestId,
      bodyExcerpt: rawText ?? safeStringify(body),
    });
  }
  return { data: envelope.data, pagination: envelope.pagination ?? undefined };
}

/** An error body, as read by {@link parseCodeerErrorBody}. */
export interface CodeerErrorBody extends ErrorBodyDetails {
  /** The platform's message, unchanged. */
  platformMessage?: string;
}

/**
 * Reads a non-2xx body: the Codeer envelope (`message`, `error_code`), or django-ninja's own shapes
 * (`{"detail": "…"}`, or a pydantic list `{"detail": [{"loc": [...], "msg": "…"}]}`).
 */
export function parseCodeerErrorBody(text: string): CodeerErrorBody | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const code = typeof b.error_code === 'number' || typeof b.error_code === 'string' ? b.error_code : undefined;
  const message =
    nonEmpty(b.message) ??
    nonEmpty(b.error_msg) ??
    detailMessage(b.detail) ??
    nonEmpty(b.error) ??
    (typeof b.error === 'object' && b.error !== null
      ? nonEmpty((b.error as Record<string, unknown>).message)
      : undefined);
  const info = describeCodeerErrorCode(code);
  return {
    code: code === 0 ? undefined : code,
    message,
    platformMessage: message,
    requestId: nonEmpty(b.request_id),
    retryable: info?.retryable,
  };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function detailMessage(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail || undefined;
  if (!Array.isArray(detail)) return undefined;
  const parts = detail.slice(0, 5).map((item) => {
    if (typeof item !== 'object' || item === null) return String(item);
    const i = item as Record<string, unknown>;
    const loc = Array.isArray(i.loc) ? i.loc.map(String).join('.') : undefined;
    const msg = nonEmpty(i.msg) ?? 'invalid';
    return loc ? `${loc}: ${msg}` : msg;
  });
  return parts.length ? parts.join('; ') : undefined;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
