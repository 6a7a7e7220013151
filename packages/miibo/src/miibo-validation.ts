import {
  validateArgument,
  type AbortSignals,
  type HeaderRecord,
  type SchemaLike,
  lazySchema,
} from '@kakehashi/sse-core';
import * as z from 'zod';

/** Internal: schema pieces and the validation wrapper shared by the public functions. */

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const headerName = lazySchema(() => z.string().regex(HEADER_NAME, { error: 'is not a valid HTTP header name' }));
const headerValue = lazySchema(() =>
  z.string().refine((v) => !/[\r\n\0]/.test(v), { error: 'must not contain line breaks or NUL characters' }),
);

/** Extra HTTP headers: valid names, values without line breaks (header injection); `undefined` drops a header. */
export const headerRecordSchema: z.ZodType<HeaderRecord> = lazySchema(() =>
  z.record(headerName, headerValue.optional()),
);

/** Headers that someone else sends (webhook headers): valid names, string values without line breaks. */
export const sentHeaderRecordSchema = lazySchema(() => z.record(headerName, headerValue));

const millis = lazySchema(() => z.number().finite().nonnegative());

/** sse-core's three clocks; `0` switches one off. */
export const timeoutsSchema = lazySchema(() =>
  z.strictObject({
    headersMs: millis.optional(),
    idleMs: millis.optional(),
    totalMs: millis.optional(),
  }),
);

export const maxRetriesSchema = lazySchema(() => z.number().int().nonnegative());

function isAbortSignal(v: unknown): v is AbortSignal {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as AbortSignal).aborted === 'boolean' &&
    typeof (v as AbortSignal).addEventListener === 'function'
  );
}

/** One `AbortSignal`, or a list of them where any one cancels. */
export const abortSignalsSchema = lazySchema(() =>
  z.custom<AbortSignals>((v) => isAbortSignal(v) || (Array.isArray(v) && v.every(isAbortSignal)), {
    error: 'must be an AbortSignal or a list of AbortSignals',
  }),
);

/** The signals as a list (empty for none). */
export function signalList(signals: AbortSignals | undefined): readonly AbortSignal[] {
  if (signals === undefined) return [];
  return Array.isArray(signals) ? (signals as readonly AbortSignal[]) : [signals as AbortSignal];
}

/** A non-empty string (ids, keys). */
export const nonEmpty = lazySchema(() => z.string().min(1, { error: 'must not be empty' }));

export const httpUrlSchema = lazySchema(() =>
  z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute http(s) URL' },
  ),
);

interface Issue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: string[];
}

/**
 * Wraps a strict zod schema so that an unknown field is reported at its own path
 * (`input.agentIDs: unknown field (did you mean "agentIds"?)`) and first, ahead of the missing fields
 * a misspelling causes. `knownFields` feeds the did-you-mean hint, which ignores case and underscores
 * (`disable_history` → `disableHistory`); `misplaced` gives the hint for fields that belong elsewhere.
 */
export function withFieldPaths<T>(
  schema: z.ZodType<T>,
  knownFields: readonly string[],
  misplaced: Readonly<Record<string, string>> = {},
): SchemaLike<T> {
  const byLowerCase = new Map(knownFields.map((f) => [f.toLowerCase().replace(/_/g, ''), f]));
  return {
    safeParse(value: unknown) {
      const result = schema.safeParse(value);
      if (result.success) return { success: true, data: result.data };
      const unknown: Issue[] = [];
      const other: Issue[] = [];
      for (const issue of result.error.issues as Issue[]) {
        if (issue.code === 'unrecognized_keys' && issue.keys) {
          for (const key of issue.keys) {
            const hint = byLowerCase.get(key.toLowerCase().replace(/_/g, ''));
            const elsewhere = issue.path.length === 0 && Object.hasOwn(misplaced, key) ? misplaced[key] : undefined;
            unknown.push({
              path: [...issue.path, key],
              message: hint
                ? `unknown field (did you mean "${hint}"?)`
                : elsewhere
                  ? `unknown field (${elsewhere})`
                  : 'unknown field',
            });
          }
        } else other.push(issue);
      }
      return { success: false, error: { issues: [...unknown, ...other] } };
    },
  };
}

/** `validateArgument` over {@link withFieldPaths}. */
export function validate<T>(
  schema: z.ZodType<T>,
  knownFields: readonly string[],
  value: unknown,
  name: string,
  misplaced?: Readonly<Record<string, string>>,
): T {
  return validateArgument(withFieldPaths(schema, knownFields, misplaced), value, name);
}
