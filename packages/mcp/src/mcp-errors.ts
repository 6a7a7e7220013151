import {
  AbortError,
  AgentStreamError,
  ApiCallError,
  ConnectionError,
  InvalidArgumentError,
  KakehashiError,
  MissingConfigError,
  ResponseDecodeError,
  TimeoutError,
  redact,
  type AgentErrorEvent,
} from '@kakehashi/sse-core';

/** What a chat tool knows of its platform when it words a failure. */
export interface ToolPlatformInfo {
  /** `codeer` */
  name: string;
  /** `Codeer` */
  title: string;
  /** The platform's configuration variables. */
  envVars: readonly string[];
}

/** A failed tool call: the one line the caller sees and a short machine label for logs. */
export interface ToolFailure {
  /** One line, no URL, no secret. */
  message: string;
  /**
   * `invalid_argument`, `not_configured`, `upstream_auth`, `upstream_status`, `upstream_rate_limit`,
   * `upstream_timeout`, `upstream_connection`, `upstream_decode`, `stream_error`, `cancelled`, `internal`.
   */
  kind: string;
}

/** Replaces URLs (which can name internal hosts) in a message. */
function withoutUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/[^\s"'<>]+/g, '(upstream)');
}

/** One line: newlines folded, URLs out, secrets redacted, bounded. */
function oneLine(message: string): string {
  const line = redact(withoutUrls(message.replace(/\s*[\r\n]+\s*/g, ' ').trim()));
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** The tool's input fields, for the contract's argument names. */
function toolField(argument: string): string {
  if (argument.startsWith('input.messages')) return 'message';
  if (argument === 'input.agentId') return 'agent';
  if (argument === 'input.session') return 'session';
  return argument;
}

/** Variables that hold credentials, for the "check …" hint after a refusal. */
function credentialVars(platform: ToolPlatformInfo): string[] {
  return platform.envVars.filter((v) => /_(API_KEY|CLIENT_ID|CLIENT_SECRET|APP_KEY)$/.test(v) && !/ADMIN/.test(v));
}

function failure(kind: string, message: string): ToolFailure {
  return { kind, message: oneLine(message) };
}

/**
 * Words anything a chat turn threw as one clear line. Every kakehashi error message is already
 * redacted; this removes upstream URLs (timeouts and connection errors name them), folds the text
 * onto one line and redacts once more. An unknown error answers `internal error` (log it).
 */
export function describeToolFailure(error: unknown, platform: ToolPlatformInfo): ToolFailure {
  const who = platform.title;
  if (AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError')) {
    return failure('cancelled', `${who}: the call was cancelled`);
  }
  if (MissingConfigError.isInstance(error)) {
    if (/agent/i.test(error.setting)) {
      const hint = error.envVar ? ` or set ${error.envVar}` : '';
      return failure('invalid_argument', `${who} needs an agent: pass "agent" (the agent id)${hint}`);
    }
    const what = error.envVar ? `set ${error.envVar}` : `configure "${error.setting}"`;
    return failure('not_configured', `${who} is not configured: ${what}`);
  }
  if (InvalidArgumentError.isInstance(error)) {
    return failure('invalid_argument', `Invalid argument "${toolField(error.argument)}": ${error.reason}`);
  }
  if (ApiCallError.isInstance(error)) {
    const code = error.code !== undefined ? `, code ${error.code}` : '';
    if (error.isAuthError) {
      const vars = credentialVars(platform);
      const hint = vars.length ? `: check ${vars.join(', ')}` : '';
      return failure('upstream_auth', `${who} refused the credentials (HTTP ${error.status}${code})${hint}`);
    }
    if (error.status === 429) {
      const wait =
        error.retryAfterMs !== undefined ? `; retry in ${Math.max(1, Math.ceil(error.retryAfterMs / 1000))} s` : '';
      return failure('upstream_rate_limit', `${who} is rate-limiting this client (HTTP 429${code})${wait}`);
    }
    return failure('upstream_status', error.message);
  }
  if (TimeoutError.isInstance(error)) {
    return failure('upstream_timeout', `${who} did not answer in time (${error.phase} timeout, ${error.timeoutMs} ms)`);
  }
  if (ConnectionError.isInstance(error)) {
    return failure(
      'upstream_connection',
      `could not reach ${who}${error.afterFirstByte ? ' (the connection was lost mid-answer)' : ''}`,
    );
  }
  if (ResponseDecodeError.isInstance(error)) {
    return failure('upstream_decode', `${who} sent an answer that could not be read (${error.reason})`);
  }
  if (AgentStreamError.isInstance(error)) {
    return describeStreamError({ type: 'error', message: error.message, code: error.code, retryable: false }, platform);
  }
  if (KakehashiError.isInstance(error)) return failure(error.kind, error.message);
  return failure('internal', `${who}: internal error`);
}

/**
 * Words an in-stream `error` event (a platform error mid-answer, or a failure the SDK turned into
 * one: a cut stream, a lost connection, an idle timeout) as one line.
 */
export function describeStreamError(event: AgentErrorEvent, platform: ToolPlatformInfo): ToolFailure {
  const who = platform.title;
  if (event.code === 'stream-cut')
    return failure('stream_error', `${who}: the answer was cut off before it finished (connection lost?)`);
  if (event.code === 'connection')
    return failure('stream_error', `${who}: the connection to the platform was lost mid-answer`);
  if (event.code === 'timeout')
    return failure('stream_error', `${who}: the platform went silent for too long (timeout)`);
  const code = event.code !== undefined && !event.message.includes(String(event.code)) ? ` (code ${event.code})` : '';
  return failure('stream_error', `${who}: ${event.message}${code}`);
}
