// The handler: OpenAI Chat Completions over the agent contract, on web-standard Request/Response.
export {
  createChatCompletionsHandler,
  type ChatCompletionsHandler,
  type ChatCompletionsTarget,
} from './chat-completions-handler';
export type { ChatCompletionsHandlerOptions, ChatCompletionsOptions } from './chat-completions-options';
export { ALREADY_SENT_HEADER, type ChatCompletionsNodeResponse } from './answer-stream';
export type { ChatCompletionsLogger, ChatCompletionsMetrics } from './chat-completions-hooks';

// The wire: request schema, response shapes, ids, errors.
export {
  chatCompletionsRequestSchema,
  DEFAULT_MAX_BODY_BYTES,
  type ChatCompletionsRequestBody,
} from './chat-completions-request';
export { kakehashiHeaders, type KakehashiIds } from './chat-completions-ids';
export type { ChatCompletionBody } from './chat-completions-collect';
export type { OpenAIUsage } from './chat-completions-chunks';
export type { OpenAIModel } from './chat-completions-models';
export {
  CLIENT_CLOSED_STATUS,
  describeGatewayError,
  errorDetail,
  type GatewayErrorInfo,
  type OpenAIErrorObject,
} from './chat-completions-errors';

// The OpenAPI description, generated from the schemas above.
export {
  chatCompletionsOpenApi,
  chatCompletionSchema,
  chatCompletionChunkSchema,
  modelListSchema,
  openAIErrorSchema,
  type ChatCompletionsOpenApi,
  type ChatCompletionsOpenApiOptions,
} from './chat-completions-openapi';
export {
  createMemoryConversationStore,
  type ConversationStore,
  type ConversationNamespace,
} from './conversation-store';
// Conversations continued from their history (stateless clients), over a ConversationStore.
export {
  createConversationSessions,
  conversationDigest,
  continuedHistory,
  DEFAULT_CONVERSATION_TTL_MS,
  DEFAULT_CONVERSATION_STORE_TIMEOUT_MS,
  type ConversationSessions,
  type ConversationSessionsOptions,
  type ConversationSessionsLogger,
} from './conversation-sessions';

// The Responses API: the handler, its request schema, the response shapes, the OpenAPI description.
export { createResponsesHandler, type ResponsesHandler } from './responses-handler';
export {
  DEFAULT_RESPONSE_TTL_MS,
  type ResponsesHandlerOptions,
  type ResponsesOptions,
} from './responses-options';
export { responsesRequestSchema, type ResponsesRequestBody } from './responses-request';
export type {
  ResponseBody,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseReasoningItem,
  ResponseUsage,
} from './responses-writer';
export {
  responsesOpenApi,
  responseObjectSchema,
  responseStreamEventSchema,
  type ResponsesOpenApi,
  type ResponsesOpenApiOptions,
} from './responses-openapi';

// Honest parameters: what both APIs refuse (and accept), in one list.
export { ACCEPTED_INCLUDES, unsupportedParameters, type UnsupportedParameter } from './unsupported-parameters';
