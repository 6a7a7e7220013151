/**
 * Telling a network failure from a programming error. Both usually arrive as a `TypeError`: fetch
 * rejects with one for a refused connection (`fetch failed`, `Failed to fetch`) and for a bad header
 * value alike, and a bug in a transport (`x.dispatch is not a function`) throws one too. Only the
 * first is worth retrying; the others would fail the same way every time, so they surface as they are.
 */

/** Errors a transport threw synchronously, before any I/O: always programming errors. */
const thrownBeforeIo = new WeakSet<object>();

/** Marks an error that a transport threw before sending anything (so it is never a network failure). */
export function markProgrammingError(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) thrownBeforeIo.add(error);
  return error;
}

/** The error classes JavaScript throws for mistakes in code or arguments. */
const PROGRAMMING_ERROR_NAMES = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/** System error codes (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, ...), as Node and Bun set them. */
const SYSTEM_ERROR_CODE = /^E[A-Z]+$/;

/** undici's codes for what it refused to send: the caller's mistake, not the network's. */
const INPUT_ERROR_CODE = /^(?:ERR_INVALID_|ERR_MISSING_|UND_ERR_INVALID_ARG$|UND_ERR_NOT_SUPPORTED$)/;

/**
 * The runtimes' words for a failed exchange, where they give no code: Node and Deno's `fetch failed`
 * and undici's `terminated` (a body cut), Chromium's `Failed to fetch` and `network error`, Firefox's
 * `NetworkError when attempting to fetch resource`, Safari's `Load failed` and `The network connection
 * was lost`, Deno's `error sending request` / `error reading a body from connection`, workerd's
 * `Network connection lost`.
 */
const NETWORK_MESSAGE =
  /\bfetch failed\b|failed to fetch|network ?error|network connection|load failed|^terminated$|error sending request|error reading a body|connection (?:refused|reset|closed|lost)|unable to connect|socket hang up/i;

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/**
 * Whether a transport's failure is the network's (refused, reset, cut, DNS): a retryable
 * `ConnectionError`. False for programming errors: a `TypeError` (or `RangeError`, ...) without a
 * network cause, code or message, an `ERR_INVALID_*` code, or anything the transport threw before
 * sending. Values that are not errors at all count as network failures, as before.
 */
export function isNetworkFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null) return true;
  if (thrownBeforeIo.has(error)) return false;
  const e = error as ErrorShape;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined && INPUT_ERROR_CODE.test(code)) return false;
  if (!PROGRAMMING_ERROR_NAMES.has(String(e.name))) return true;
  if (code !== undefined && SYSTEM_ERROR_CODE.test(code)) return true;
  // undici's fetch wraps what happened: `fetch failed` carries the socket's error as its cause, a bad
  // URL a `TypeError` with `ERR_INVALID_URL`. The cause decides.
  if (e.cause !== undefined && depth < 4) return isNetworkFailure(e.cause, depth + 1);
  return typeof e.message === 'string' && NETWORK_MESSAGE.test(e.message);
}
