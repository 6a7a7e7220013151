import type { AgentErrorEvent } from '@kakehashi/sse-core';
import {
  describeAgentErrorEvent,
  describeGatewayError,
  errorDetail,
  type GatewayErrorInfo,
  isAbort,
  shuttingDownError,
} from './chat-completions-errors';

/**
 * Metrics hook of the chat completions handler. Every member is optional; a hook that throws is
 * ignored (it never breaks a request). `platform` is the platform's name (the model's prefix, for
 * example `codeer`), or `unknown` for a request whose model could not be read.
 */
export interface ChatCompletionsMetrics {
  /** An upstream agent turn started (streaming or not). */
  streamOpened?(platform: string): void;
  /** That turn ended: finished, failed, or cancelled because the caller went away. Called once per `streamOpened`. */
  streamClosed?(platform: string): void;
  /** Time from sending the upstream request to its first agent event, in ms. */
  upstreamLatency?(platform: string, ms: number): void;
  /**
   * A request failed. `kind`: `invalid_request`, `model_not_found`, `not_configured`, `upstream_status`,
   * `upstream_auth`, `upstream_rate_limit`, `upstream_unavailable` (503 with `Retry-After`),
   * `upstream_timeout`, `upstream_connection`, `upstream_decode`, `stream_error` (a platform error or a
   * cut stream mid-answer), `internal`. A caller that went away is not an error: its turn closes
   * `cancelled` (kind `client_closed` when it left before the answer), and no `error` is called.
   */
  error?(platform: string, kind: string): void;
}

/**
 * Logger hook, pino-compatible (`logger.warn({ fields }, 'message')`). Messages and fields never carry
 * a secret: errors from the kakehashi SDKs are redacted, and request bodies are not logged.
 */
export interface ChatCompletionsLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
  error?(fields: Record<string, unknown>, message: string): void;
}

/** Where a turn runs: this server's request id, and the signal that ends every turn at shutdown. */
export interface TurnContext {
  requestId?: string | undefined;
  shutdownSignal?: AbortSignal | undefined;
}

/** How an upstream turn ended. */
export type TurnOutcome = 'finished' | 'failed' | 'cancelled';

/** A turn's failure for the hooks: what the caller was told, and the original error (logged, redacted). */
export interface TurnFailure {
  kind?: string;
  status?: number;
  /** The message the caller got. */
  message?: string;
  /** The error behind it: its detail (upstream URL, status, code, body excerpt) goes to the log only. */
  cause?: unknown;
}

/**
 * Follows one upstream turn for the hooks: opened, first event, closed (exactly once), with a cleanup
 * callback run on close. Hook failures are swallowed.
 */
export class TurnObserver {
  readonly platform: string;
  /** This server's id of the request (`x-request-id`), quoted in error messages and logged. */
  readonly requestId: string | undefined;
  readonly #shutdown: AbortSignal | undefined;
  readonly #metrics: ChatCompletionsMetrics | undefined;
  readonly #logger: ChatCompletionsLogger | undefined;
  readonly #fields: Record<string, unknown>;
  readonly #label: string;
  readonly #startedAt = performance.now();
  #firstAt: number | undefined;
  #closed = false;
  #cleanup: (() => void) | undefined;

  constructor(
    platform: string,
    metrics: ChatCompletionsMetrics | undefined,
    logger: ChatCompletionsLogger | undefined,
    fields: Record<string, unknown>,
    /** What the log lines call the turn (`chat completion`, `response`). */
    label = 'chat completion',
    context: TurnContext = {},
  ) {
    this.platform = platform;
    const { requestId } = context;
    this.requestId = requestId;
    this.#shutdown = context.shutdownSignal;
    this.#label = label;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#fields = requestId === undefined ? fields : { reqId: requestId, ...fields };
    safely(() => metrics?.streamOpened?.(platform));
  }

  /** Runs once when the turn closes. */
  onClose(cleanup: () => void): void {
    this.#cleanup = cleanup;
  }

  /** The first agent event arrived. */
  firstEvent(): void {
    if (this.#firstAt !== undefined) return;
    this.#firstAt = performance.now();
    const ms = this.#firstAt - this.#startedAt;
    safely(() => this.#metrics?.upstreamLatency?.(this.platform, ms));
  }

  /**
   * The turn failed with a thrown error: describes it for the caller (with the request id), closes
   * the turn (`cancelled` for the caller's abort, else `failed`, the detail logged) and returns it.
   */
  failWith(error: unknown): GatewayErrorInfo {
    if (this.#shutdown?.aborted && isAbort(error)) {
      const info = shuttingDownError(this.requestId);
      this.close('failed', turnFailure(info));
      return info;
    }
    const info = describeGatewayError(error, this.platform, this.requestId);
    this.close(isAbort(error) ? 'cancelled' : 'failed', turnFailure(info, error));
    return info;
  }

  /** The turn failed with an in-stream error event (or a cut stream): described, closed, returned. */
  failWithEvent(event: AgentErrorEvent): GatewayErrorInfo {
    const info = describeAgentErrorEvent(event, this.platform, this.requestId);
    this.close('failed', turnFailure(info, { message: event.message, code: event.code }));
    return info;
  }

  /** The turn ended. Only the first call counts. */
  close(outcome: TurnOutcome, detail?: TurnFailure): void {
    if (this.#closed) return;
    this.#closed = true;
    safely(() => this.#cleanup?.());
    if (this.#logger === undefined) {
      if (outcome === 'failed' && detail?.kind) safely(() => this.#metrics?.error?.(this.platform, detail.kind!));
      safely(() => this.#metrics?.streamClosed?.(this.platform));
      return;
    }
    const fields: Record<string, unknown> = {
      ...this.#fields,
      outcome,
      durationMs: Math.round(performance.now() - this.#startedAt),
      ...(this.#firstAt === undefined ? {} : { firstEventMs: Math.round(this.#firstAt - this.#startedAt) }),
    };
    if (outcome === 'failed') {
      if (detail?.kind) safely(() => this.#metrics?.error?.(this.platform, detail.kind!));
      safely(() =>
        this.#logger?.warn?.(
          {
            ...fields,
            kind: detail?.kind,
            status: detail?.status,
            error: detail?.message,
            ...(detail?.cause === undefined ? {} : { upstream: errorDetail(detail.cause) }),
          },
          `${this.#label} failed`,
        ),
      );
    } else if (outcome === 'cancelled') {
      safely(() => this.#logger?.debug?.(fields, `${this.#label} cancelled by the caller`));
    } else {
      safely(() => this.#logger?.debug?.(fields, `${this.#label} finished`));
    }
    safely(() => this.#metrics?.streamClosed?.(this.platform));
  }
}

/** Runs a hook, ignoring anything it throws. */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A broken hook must not break the request.
  }
}

/** A failure as {@link TurnObserver.close} takes it. */
export function turnFailure(info: GatewayErrorInfo, cause?: unknown): TurnFailure {
  return {
    kind: info.kind,
    status: info.status,
    message: info.error.message,
    ...(cause === undefined ? {} : { cause }),
  };
}

/**
 * Cancels `turn` when the caller goes away (`request.signal`) or the server shuts down
 * (`shutdownSignal`), until the observer closes.
 */
export function cancelTurnOnAbort(
  turn: { cancel(reason?: unknown): void },
  observer: TurnObserver,
  signals: ReadonlyArray<AbortSignal | undefined>,
): void {
  const watched = signals.filter((s): s is AbortSignal => s !== undefined);
  const aborted = watched.find((s) => s.aborted);
  if (aborted !== undefined) {
    turn.cancel(aborted.reason);
    return;
  }
  const listeners = watched.map((signal) => {
    const onAbort = () => turn.cancel(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  });
  observer.onClose(() => {
    for (const remove of listeners) remove();
  });
}

/** The request id from the `requestId` hook, or undefined when it throws or gives nothing usable. */
export function safeRequestId(hook: (request: Request) => string | undefined, request: Request): string | undefined {
  try {
    const id = hook(request);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
