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
   * `upstream_auth`, `upstream_rate_limit`, `upstream_timeout`, `upstream_connection`, `upstream_decode`,
   * `stream_error` (a platform error or a cut stream mid-answer), `internal`.
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

/** How an upstream turn ended. */
export type TurnOutcome = 'finished' | 'failed' | 'cancelled';

/**
 * Follows one upstream turn for the hooks: opened, first event, closed (exactly once), with a cleanup
 * callback run on close. Hook failures are swallowed.
 */
export class TurnObserver {
  readonly platform: string;
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
  ) {
    this.platform = platform;
    this.#label = label;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#fields = fields;
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

  /** The turn ended. Only the first call counts. */
  close(outcome: TurnOutcome, detail?: { kind?: string; message?: string; status?: number }): void {
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
          { ...fields, kind: detail?.kind, status: detail?.status, error: detail?.message },
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
