export {
  KakehashiError,
  InvalidArgumentError,
  MissingConfigError,
  ApiCallError,
  ConnectionError,
  TimeoutError,
  AbortError,
  ResponseDecodeError,
  AgentStreamError,
  UnsupportedRuntimeError,
  isRetryableStatus,
  type ApiCallErrorDetails,
  type TimeoutPhase,
  type DecodeErrorReason,
} from './errors';
export {
  redact,
  redactHeaders,
  redactedExcerpt,
  registerSecret,
  forgetSecret,
  REDACTED,
  SECRET_FIELD_NAMES,
} from './redact';
export {
  applyAgentEvent,
  SnapshotDiffer,
  type AgentEvent,
  type AgentEventType,
  type AgentStartEvent,
  type AgentTextDeltaEvent,
  type AgentTextReplaceEvent,
  type AgentStepStartEvent,
  type AgentStepEndEvent,
  type AgentTitleEvent,
  type AgentFinishEvent,
  type AgentErrorEvent,
  type AgentFinishReason,
  type AgentUsage,
  type CollectedAgentAnswer,
} from './agent-event';
export { guardAgentStream, collectAgentAnswer, type AgentEventStream } from './agent-event-stream';
export { mapAgentEvents, type AgentEventMapping } from './agent-event-mapping';
export {
  httpRequest,
  requestIdFromHeaders,
  DEFAULT_TIMEOUTS,
  type HttpRequestOptions,
  type TimeoutOptions,
  type RequestBody,
  type HeaderRecord,
  type ErrorBodyDetails,
} from './http-request';
export { HttpResponse } from './http-response';
export {
  createHttpClient,
  joinUrl,
  type HttpClient,
  type HttpClientSettings,
  type HttpClientRequest,
} from './http-client';
export {
  defaultTransport,
  defaultTransportName,
  undiciTransport,
  fetchTransport,
  getSharedAgent,
  type FetchFunction,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './http-transport';
export {
  parseRetryAfter,
  retryAfterTooLong,
  retryDelayMs,
  sleep,
  DEFAULT_RETRY,
  type RetryOptions,
} from './retry-policy';
export type { AbortSignals } from './abort-signals';
export { resolveValue, type Resolvable } from './resolvable';
export {
  decodeSSE,
  decodeSSEJson,
  decodeSSEWith,
  DEFAULT_MAX_BUFFER_SIZE,
  type SSEMessage,
  type SSEJsonMessage,
  type SSEDecodeOptions,
} from './sse-decoder';
export { decodeNDJSON, type NDJSONDecodeOptions } from './ndjson-decoder';
export { decodeLines } from './line-decoder';
export {
  safeParseJSON,
  parseJsonObject,
  type ParseResult,
  JSON_MAX_DEPTH,
  jsonNestingExceeds,
  parseJsonRequestBody,
  type JsonBodyResult,
} from './json-parse';
export {
  encodeSSE,
  encodeSSEComment,
  createSSEStream,
  type SSEOutgoingEvent,
  type SSEStreamOptions,
} from './sse-encoder';
export { pipeSSE, type SSEWritable, type SSEPipeOutcome } from './sse-pipe';
export { batchReader, flattenBatches, type BatchReadable } from './batch-iterator';
export { byteChunks, type ByteSource } from './byte-source';
export { validateArgument, type SchemaLike } from './validate-argument';
export { lazySchema } from './lazy-schema';
export { readBodyWithin, readRequestText } from './bounded-body';
export type {
  AgentSession,
  AgentMessage,
  AgentTurnInput,
  AgentCallOptions,
  AgentTurnAnswer,
  AgentTurn,
  ChatAgent,
  AgentPlatformSettings,
  AgentPlatformStatus,
  AgentPlatformCheckOptions,
  AgentPlatformCredentials,
  AgentPlatform,
} from './agent-contract';
export { createAgentTurn, type AgentTurnSource, type AgentTurnOpening } from './agent-turn';
export { asyncIterator, type IteratorParts, type KakehashiAsyncIterator } from './async-iterator';
export { callRetryOptions, defaultShouldRetry, type ShouldRetry, type RetryDelayOptions } from './retry-policy';
export { isEnvRecord, ENV_RECORD_REASON } from './env-record';
export { runtimeEnv } from './runtime-env';
