/** What a Codeer `error_code` means, in a stable kebab-case word. */
export type CodeerErrorReason =
  | 'permission-denied'
  | 'not-found'
  | 'server-error'
  | 'bad-request'
  | 'external-user-not-allowed'
  | 'unauthorized'
  | 'validation-failed'
  | 'rate-limited'
  | 'unknown';

/** One entry of {@link CODEER_ERROR_CODES}. */
export interface CodeerErrorCodeInfo {
  /** The meaning of the code. */
  reason: CodeerErrorReason;
  /** The platform's symbolic name, where Codeer's documentation gives one. */
  codeName?: string;
  /** The HTTP status the current documentation pairs with the code. */
  httpStatus: number;
  /** Whether repeating the same call may succeed. */
  retryable: boolean;
  /** A short English description. */
  description: string;
}

/**
 * The error codes Codeer documents. The full catalogue is not public; any other code is reported with
 * reason `unknown` and the platform's own message.
 */
export const CODEER_ERROR_CODES: Readonly<Record<number, CodeerErrorCodeInfo>> = Object.freeze({
  10001: {
    reason: 'permission-denied',
    codeName: 'SYS_PERMISSION_DENIED',
    httpStatus: 403,
    retryable: false,
    description: 'permission denied (or a missing / invalid API key)',
  },
  10003: { reason: 'not-found', httpStatus: 404, retryable: false, description: 'resource not found' },
  10005: {
    reason: 'server-error',
    codeName: 'SYS_SERVER_ERROR',
    httpStatus: 500,
    retryable: true,
    description: 'internal server error',
  },
  10006: {
    reason: 'bad-request',
    codeName: 'SYS_BAD_REQUEST',
    httpStatus: 400,
    retryable: false,
    description: 'invalid request',
  },
  14103: {
    reason: 'external-user-not-allowed',
    httpStatus: 403,
    retryable: false,
    description: 'client user not allowed (the workspace whitelist rejects this external_user_id)',
  },
});

/** The documented meaning of a Codeer `error_code`, or undefined for an unknown code. */
export function describeCodeerErrorCode(code: unknown): CodeerErrorCodeInfo | undefined {
  const n = typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : code;
  return typeof n === 'number' ? CODEER_ERROR_CODES[n] : undefined;
}

/** The reason for an error without a known code, from its HTTP status. */
export function reasonFromStatus(status: number): CodeerErrorReason {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 422) return 'validation-failed';
  if (status === 429) return 'rate-limited';
  if (status === 400) return 'bad-request';
  if (status >= 500) return 'server-error';
  return 'unknown';
}
