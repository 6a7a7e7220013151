import { z } from 'zod';

/** A chat id: a positive integer, or its digits as a string (as read from a command line). */
export const chatIdSchema = z
  .union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,17}$/, 'must be a positive integer chat id')])
  .transform((v) => Number(v));

/** A message id: a positive integer, or its digits. */
export const messageIdSchema = z
  .union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,17}$/, 'must be a positive integer message id')])
  .transform((v) => Number(v));

/** A path segment id given by the platform (agent UUID, batch id, form request id). */
export const idSegmentSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[^\s/?#%]+$/, 'must not contain spaces, "/", "?", "#" or "%"');

/** A batch id (string or integer). */
export const batchIdSchema = z.union([idSegmentSchema, z.number().int().nonnegative()]).transform((v) => String(v));

/** An agent id (UUID). */
export const agentIdSchema = idSegmentSchema;

/** The caller's own user id; partitions data per end user. */
export const externalUserIdSchema = z.string().min(1, 'must not be empty').max(512);

/** File uuids from `files.upload`. */
export const attachedFileUuidsSchema = z.array(z.string().min(1, 'must not be empty')).max(100);

/** A loosely typed JSON object body (for endpoints whose body Codeer does not document). */
export const looseBodySchema = z.record(z.string(), z.unknown());

/** Per-call options shared by every method. */
/** sse-core's three clocks, as settings and per-call options accept them. */
export const timeoutsSchema = z.strictObject({
  headersMs: z.number().int().nonnegative().optional(),
  idleMs: z.number().int().nonnegative().optional(),
  totalMs: z.number().int().nonnegative().optional(),
});

export const requestOptionsSchema = z
  .strictObject({
    signal: z.instanceof(AbortSignal).optional(),
    timeouts: timeoutsSchema.optional(),
    headers: z.record(z.string(), z.string()).optional(),
    maxRetries: z.number().int().nonnegative().max(10).optional(),
  })
  .optional();
