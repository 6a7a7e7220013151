import { ApiCallError, redact, type ApiCallErrorDetails } from '@kakehashi/sse-core';
import { CODEER_PROVIDER } from './codeer-constants';
import { describeCodeerErrorCode, reasonFromStatus, type CodeerErrorReason } from './codeer-error-codes';

const MARKER = Symbol.for('kakehashi.codeer-api-error');

/** What {@link CodeerApiError} is built from. */
export interface CodeerApiErrorDetails {
  /** The URL called, without query string. */
  url: string;
  /** The HTTP status (200 when the envelope carried the error inside a successful response). */
  status: number;
  /** The envelope's `error_code`, when there was one. */
  code?: number | string;
  /** The envelope's `message` (or a framework `detail`), as the platform wrote it. */
  platformMessage?: string;
  /** The request id, when the server sent one. */
  requestId?: string;
  /** Milliseconds the server asked us to wait (`Retry-After`). */
  retryAfterMs?: number;
  /** The response body, for a bounded, redacted excerpt. */
  bodyExcerpt?: string;
  /** Overrides the default (from the code, else from the status). */
  retryable?: boolean;
  /** The underlying error (for example sse-core's `ApiCallError` for a non-2xx answer). */
  cause?: unknown;
}

/**
 * Codeer answered with an error: a non-2xx status, or an envelope whose `error_code` is not 0 (even with
 * HTTP 200). An `ApiCallError` (so `ApiCallError.isInstance(e)` is true) with Codeer's meaning added:
 * `reason` and `codeName` for the documented codes, and the platform's own `platformMessage`.
 */
export class CodeerApiError extends ApiCallError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: the cross-install marker that isInstance() checks
  private readonly [MARKER] = true;
  /** What the error means: from the documented `error_code`, else from the HTTP status. */
  readonly reason: CodeerErrorReason;
  /** Codeer's symbolic name for the code (`SYS_PERMISSION_DENIED`), where documented. */
  readonly codeName?: string;
  /** The platform's message (for example `Agent version not found`), with any secret redacted. */
  readonly platformMessage?: string;

  constructor(details: CodeerApiErrorDetails) {
    const info = describeCodeerErrorCode(details.code);
    const reason = info?.reason ?? reasonFromStatus(details.status);
    const text = details.platformMessage || info?.description || `HTTP ${details.status}`;
    const apiDetails: ApiCallErrorDetails = {
      url: details.url,
      status: details.status,
      provider: CODEER_PROVIDER,
      code: details.code,
      requestId: details.requestId,
      retryAfterMs: details.retryAfterMs,
      bodyExcerpt: details.bodyExcerpt,
      retryable: details.retryable ?? info?.retryable,
      message: `${text} (${reason}${info?.codeName ? `, ${info.codeName}` : ''}; HTTP ${details.status})`,
      cause: details.cause,
    };
    super(apiDetails);
    this.name = 'CodeerApiError';
    this.reason = reason;
    this.codeName = info?.codeName;
    this.platformMessage = details.platformMessage === undefined ? undefined : redact(details.platformMessage);
  }

  /** True for errors from this class, across duplicate installs of the package. */
  static override isInstance = (error: unknown): error is CodeerApiError =>
    ApiCallError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[MARKER] === true;
}
