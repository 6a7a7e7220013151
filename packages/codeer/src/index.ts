export { createCodeer, type CodeerProvider, type CodeerChatInput } from './codeer-provider';
export { codeerPlatform } from './codeer-platform';
export type { CodeerProviderSettings } from './codeer-settings';
export type { CodeerRequestOptions } from './codeer-request-options';
export {
  CODEER_PROVIDER,
  CODEER_DEFAULT_BASE_URL,
  CODEER_ENV,
  CODEER_DEFAULT_TIMEOUTS,
  CODEER_TURN_HEADERS_TIMEOUT_MS,
} from './codeer-constants';

export type { CodeerAgents } from './codeer-agents';
export type { CodeerChats, CreateChatInput, ListChatsQuery, UpdateChatInput, CodeerChatOrder } from './codeer-chats';
export type { CodeerMessages, SendMessageInput, ListMessagesQuery } from './codeer-messages';
export type { CodeerFiles, UploadFileInput } from './codeer-files';
export type {
  CodeerBatches,
  CreateBatchInput,
  CodeerBatchRequestInput,
  CodeerBatchWebhookInput,
  CodeerBatchWebhookEvent,
  ListBatchesQuery,
} from './codeer-batches';
export type { CodeerTurnResult } from './codeer-turn';
export type { CodeerPage } from './codeer-pagination';
export type { CodeerPagination } from './codeer-envelope';
export type {
  CodeerAgent,
  CodeerChat,
  CodeerMessage,
  CodeerAttachedFile,
  CodeerUploadedFile,
  CodeerBatch,
  CodeerBatchResult,
} from './codeer-response-schemas';

export { CodeerApiError, type CodeerApiErrorDetails } from './codeer-api-error';
export {
  CODEER_ERROR_CODES,
  describeCodeerErrorCode,
  type CodeerErrorReason,
  type CodeerErrorCodeInfo,
} from './codeer-error-codes';

export { CodeerMessageStream, type CodeerAnswer } from './codeer-message-stream';
export {
  decodeCodeerStream,
  toCodeerStreamEvent,
  type DecodeCodeerStreamOptions,
  type CodeerByteInput,
} from './codeer-stream-decoder';
export { toCodeerAgentEvents, CodeerAgentEventMapper, type ToCodeerAgentEventsOptions } from './codeer-agent-events';
export {
  CODEER_ERROR_EVENT_TYPES,
  type CodeerStreamEvent,
  type CodeerCreatedEvent,
  type CodeerTitleUpdatedEvent,
  type CodeerReasoningStepStartEvent,
  type CodeerReasoningStepEndEvent,
  type CodeerOutputTextDeltaEvent,
  type CodeerOutputTextCompletedEvent,
  type CodeerErrorEvent,
  type CodeerDoneEvent,
  type CodeerPlainTextEvent,
  type CodeerUnknownEvent,
  type CodeerReasoningStep,
  type CodeerUsage,
} from './codeer-stream-events';
