import { type AbortSignals, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import type { CodeerRequestOptions } from './codeer-request-options';

/**
 * A schema typed as `z.ZodType<Out, In>` (so `validateArgument` returns `Out`), allowed only when the
 * schema `S` takes exactly the fields of the public type `In`: a field added to one and not the other
 * is a compile error, so the documented type and its schema cannot drift apart.
 */
export type SchemaFor<Out, In, S extends z.ZodType> = [
  | Exclude<keyof NonNullable<z.input<S>>, keyof NonNullable<In>>
  | Exclude<keyof NonNullable<In>, keyof NonNullable<z.input<S>>>,
] extends [never]
  ? z.ZodType<Out, In>
  : never;

/** A chat id: a positive integer, or its digits as a string (as read from a command line). */
export const chatIdSchema = lazySchema(() =>
  z
    .union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,17}$/, 'must be a positive integer chat id')])
    .transform((v) => Number(v)),
);

/** A message id: a positive integer, or its digits. */
export const messageIdSchema = lazySchema(() =>
  z
    .union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,17}$/, 'must be a positive integer message id')])
    .transform((v) => Number(v)),
);

/** A path segment id given by the platform (agent UUID, batch id, form request id). */
export const idSegmentSchema = lazySchema(() =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(200)
    .regex(/^[^\s/?#%]+$/, 'must not contain spaces, "/", "?", "#" or "%"'),
);

/** A batch id (string or integer). */
export const batchIdSchema = lazySchema(() =>
  z.union([idSegmentSchema, z.number().int().nonnegative()]).transform((v) => String(v)),
);

/** An agent id (UUID). */
export const agentIdSchema = idSegmentSchema;

/** The caller's own user id; partitions data per end user. */
export const externalUserIdSchema = lazySchema(() => z.string().min(1, 'must not be empty').max(512));

/** File uuids from `files.upload`. */
export const attachedFileUuidsSchema = lazySchema(() => z.array(z.string().min(1, 'must not be empty')).max(100));

/** A loosely typed JSON object body (for endpoints whose body Codeer does not document). */
export const looseBodySchema = lazySchema(() => z.record(z.string(), z.unknown()));

/** sse-core's three clocks, as settings and per-call options accept them. */
export const timeoutsSchema = lazySchema(() =>
  z.strictObject({
    headersMs: z.number().int().nonnegative().optional(),
    idleMs: z.number().int().nonnegative().optional(),
    totalMs: z.number().int().nonnegative().optional(),
  }),
);

/** An HTTP header name (an RFC 9110 token). */
export const headerNameSchema = lazySchema(() =>
  z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'is not a valid header name'),
);

/** An HTTP header value: no line breaks or NUL. */
export const headerValueSchema = lazySchema(() => z.string().regex(/^[^\r\n\0]*$/, 'must not contain line breaks'));

/** Extra headers of one call (an `undefined` value is left out). */
export const headersSchema = lazySchema(() => z.record(headerNameSchema, headerValueSchema.optional()));

/** One `AbortSignal`, or several (any one of them cancels). */
export const signalsSchema = lazySchema(() =>
  z.custom<AbortSignals>(
    (v) => v instanceof AbortSignal || (Array.isArray(v) && v.every((s) => s instanceof AbortSignal)),
    'must be an AbortSignal or a list of AbortSignals',
  ),
);

const requestOptionsObject = lazySchema(() =>
  z.strictObject({
    signal: signalsSchema.optional(),
    timeouts: timeoutsSchema.optional(),
    headers: headersSchema.optional(),
    maxRetries: z.number().int().nonnegative().max(10).optional(),
    maxRetryAfterMs: z.number().nonnegative().optional(),
  }),
);

/** The strict schema of {@link CodeerRequestOptions}, or nothing. */
export const requestOptionsSchema: SchemaFor<
  CodeerRequestOptions | undefined,
  CodeerRequestOptions | undefined,
  typeof requestOptionsObject
> = lazySchema(() => requestOptionsObject.optional());
