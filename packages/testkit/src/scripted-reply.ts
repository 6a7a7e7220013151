/** Pause before the next step of a scripted body. */
export interface ScriptWaitStep {
  /** Milliseconds to wait before the next step (cut short if the connection closes). */
  wait: number;
}

/** Write nothing more and keep the response open until the client goes away or the server closes. */
export interface ScriptStallStep {
  /** Always `true`. */
  stall: true;
}

/**
 * Cut the connection mid-body, after everything written so far has been flushed,
 * without the chunked terminator (or before the promised `content-length`).
 */
export interface ScriptDestroyStep {
  /** Always `true`. */
  destroy: true;
  /**
   * Send a TCP RST (`socket.resetAndDestroy()`) instead of a plain close (FIN).
   * Default `false`: a plain close keeps the bytes already written deliverable,
   * which makes "partial body, then failure" tests deterministic.
   */
  reset?: boolean;
}

/**
 * One step of a scripted body.
 *
 * - `string`: write these UTF-8 bytes as one socket write, then wait for it to flush.
 * - `Uint8Array`: write these bytes as one socket write, then wait for it to flush.
 * - `{ wait: ms }`: pause before the next step.
 * - `{ stall: true }`: write nothing more; keep the connection open until the client
 *   goes away or the server closes.
 * - `{ destroy: true }`: cut the connection abruptly mid-body.
 */
export type ScriptStep = string | Uint8Array | ScriptWaitStep | ScriptStallStep | ScriptDestroyStep;

/** What the server answers to one request. Every field is optional. */
export interface ScriptedReply {
  /** HTTP status code. Default `200`. */
  status?: number;
  /** Response headers, e.g. `{ 'content-type': 'text/event-stream', 'retry-after': '1' }`. */
  headers?: Record<string, string>;
  /**
   * A whole body (sent with `content-length`), or steps written in order (sent
   * with chunked transfer encoding unless `headers` sets `content-length`).
   * Default: empty body. After the last step the response is ended properly,
   * unless a `stall` or `destroy` step came first.
   */
  body?: string | Uint8Array | ScriptStep[];
  /** Delay in milliseconds before the status line and headers are sent (for header-timeout tests). */
  headersDelayMs?: number;
  /** Destroy the connection without sending any response at all (a reset before the first byte). */
  resetBeforeHeaders?: boolean;
  /** Send nothing at all and keep the connection open until the client goes away or the server closes (a stall before the first byte). */
  stallBeforeHeaders?: boolean;
}

const replyKeys = new Set(['status', 'headers', 'body', 'headersDelayMs', 'resetBeforeHeaders', 'stallBeforeHeaders']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function isDelay(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function assertOnlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`testkit: ${where} has unknown field "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
}

function assertStep(step: unknown, where: string): asserts step is ScriptStep {
  if (typeof step === 'string' || step instanceof Uint8Array) return;
  if (!isPlainObject(step)) {
    throw new TypeError(
      `testkit: ${where} must be a string, a Uint8Array, {wait}, {stall: true} or {destroy: true} (got ${describe(step)})`,
    );
  }
  if ('wait' in step) {
    assertOnlyKeys(step, ['wait'], where);
    if (!isDelay(step.wait)) {
      throw new TypeError(`testkit: ${where}.wait must be a non-negative finite number (got ${describe(step.wait)})`);
    }
    return;
  }
  if ('stall' in step) {
    assertOnlyKeys(step, ['stall'], where);
    if (step.stall !== true) throw new TypeError(`testkit: ${where}.stall must be true`);
    return;
  }
  if ('destroy' in step) {
    assertOnlyKeys(step, ['destroy', 'reset'], where);
    if (step.destroy !== true) throw new TypeError(`testkit: ${where}.destroy must be true`);
    if (step.reset !== undefined && typeof step.reset !== 'boolean') {
      throw new TypeError(`testkit: ${where}.reset must be a boolean`);
    }
    return;
  }
  throw new TypeError(`testkit: ${where} must have one of the fields wait, stall or destroy`);
}

/**
 * Fail fast on a malformed reply, naming the field and why. `where` prefixes the
 * message (e.g. `reply #2`).
 */
export function assertScriptedReply(reply: unknown, where: string): asserts reply is ScriptedReply {
  if (!isPlainObject(reply)) {
    throw new TypeError(`testkit: ${where} must be an object (got ${describe(reply)})`);
  }
  assertOnlyKeys(reply, [...replyKeys], where);
  const { status, headers, body, headersDelayMs, resetBeforeHeaders, stallBeforeHeaders } = reply;
  if (status !== undefined && !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 999)) {
    throw new TypeError(`testkit: ${where}.status must be an integer from 100 to 999 (got ${describe(status)})`);
  }
  if (headers !== undefined) {
    if (!isPlainObject(headers)) throw new TypeError(`testkit: ${where}.headers must be an object of strings`);
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') {
        throw new TypeError(`testkit: ${where}.headers["${name}"] must be a string (got ${describe(value)})`);
      }
    }
  }
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    if (!Array.isArray(body)) {
      throw new TypeError(`testkit: ${where}.body must be a string, a Uint8Array or an array of steps`);
    }
    for (const [index, step] of body.entries()) assertStep(step, `${where}.body[${index}]`);
  }
  if (headersDelayMs !== undefined && !isDelay(headersDelayMs)) {
    throw new TypeError(
      `testkit: ${where}.headersDelayMs must be a non-negative finite number (got ${describe(headersDelayMs)})`,
    );
  }
  if (resetBeforeHeaders !== undefined && typeof resetBeforeHeaders !== 'boolean') {
    throw new TypeError(`testkit: ${where}.resetBeforeHeaders must be a boolean`);
  }
  if (stallBeforeHeaders !== undefined && typeof stallBeforeHeaders !== 'boolean') {
    throw new TypeError(`testkit: ${where}.stallBeforeHeaders must be a boolean`);
  }
}
