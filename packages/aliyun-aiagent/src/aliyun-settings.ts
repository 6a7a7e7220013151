import type { FetchFunction, TimeoutOptions } from '@kakehashi/sse-core';
import { z } from 'zod';

/** Internal: schemas shared by the settings of the clients and the handler. */

export const functionSchema = <T>() =>
  z.custom<T>((value) => typeof value === 'function', { message: 'must be a function' });

export const timeoutsSchema: z.ZodType<TimeoutOptions> = z.strictObject({
  headersMs: z.number().int().nonnegative().optional(),
  idleMs: z.number().int().nonnegative().optional(),
  totalMs: z.number().int().nonnegative().optional(),
});

export const headersSchema = z.record(
  z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid header name'),
  z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks'),
);

export const envSchema = z.custom<Readonly<Record<string, string | undefined>>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'must be an object of environment variables' },
);

export const fetchSchema = functionSchema<FetchFunction>();

export const maxRetriesSchema = z.number().int().min(0).max(10);

/** A signal, when given, must be an AbortSignal. */
export const signalSchema = z.custom<AbortSignal>((value) => value instanceof AbortSignal, {
  message: 'must be an AbortSignal',
});

/** Region ids such as `cn-shanghai` or `ap-southeast-1`: lower-case letters, digits and `-`. */
export const REGION_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const regionSchema = z.string().regex(REGION_PATTERN, 'must be a region id such as cn-shanghai');

/** A JSON-object parameter: an object (serialised with JSON.stringify) or a string already holding JSON. */
export const jsonParamSchema = z.union([z.string(), z.record(z.string(), z.unknown())]);

export function jsonParam(value: string | Record<string, unknown> | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
}
