export { createAgenticStar, type AgenticStarProvider } from './agenticstar-provider';
export { agenticStarPlatform, type AgenticStarPlatform } from './agenticstar-platform';
export {
  AGENTICSTAR_ENV,
  AGENTICSTAR_DEFAULT_IDLE_MS,
  AGENTICSTAR_DEFAULT_MODEL,
  type AgenticStarSettings,
  type AgenticStarEdition,
  type AgenticStarAgentIdPlacement,
  type AgenticStarTokenSource,
  type AgenticStarTimeouts,
} from './agenticstar-settings';
export {
  AGENTICSTAR_PRESETS,
  AGENTICSTAR_DEFAULT_PRESET,
  AGENTICSTAR_SAAS_TOKEN_PATH,
  AGENTICSTAR_MARKETPLACE_TOKEN_PATH,
  type AgenticStarPresetName,
  type AgenticStarHostPreset,
} from './agenticstar-presets';
export { resolveAgenticStarEndpoints, type AgenticStarEndpoints } from './agenticstar-config';
export type {
  AgenticStarChatInput,
  AgenticStarMessage,
  AgenticStarFileReference,
  AgenticStarCallOptions,
  AgenticStarListOptions,
} from './agenticstar-chat-request';
export { AgenticStarChatStream, type AgenticStarAnswer } from './agenticstar-chat-stream';
export { AgenticStarConversation } from './agenticstar-conversation';
export {
  parseConversationPage,
  AGENTICSTAR_CONVERSATION_ITEM_FIELDS,
  type AgenticStarListConversationsParams,
  type AgenticStarConversationSummary,
  type AgenticStarConversationPage,
} from './agenticstar-conversations';
export {
  decodeAgenticStarStream,
  toAgenticStarStreamEvent,
  type AgenticStarStreamEvent,
  type AgenticStarChunkEvent,
  type AgenticStarErrorEvent,
  type AgenticStarDoneEvent,
  type AgenticStarUnknownEvent,
  type AgenticStarDecodeOptions,
} from './agenticstar-stream-events';
export {
  toAgenticStarAgentEvents,
  decodeAgenticStarAgentEvents,
  type AgenticStarAgentEventsOptions,
  type AgenticStarDecodeAgentEventsOptions,
} from './agenticstar-agent-events';
export {
  AgenticStarTurnState,
  AGENTICSTAR_PROVIDER,
  mapAgenticStarFinishReason,
  type AgenticStarIdsListener,
} from './agenticstar-turn';
export { AGENTICSTAR_TERMINAL_TASK_STATUSES, isTerminalTaskStatus } from './agenticstar-tasks';
export {
  agenticStarChunkSchema,
  agenticStarChoiceSchema,
  agenticStarDeltaSchema,
  agenticStarTaskSchema,
  agenticStarMessageInfoSchema,
  agenticStarUsageSchema,
  type AgenticStarChunk,
  type AgenticStarChoice,
  type AgenticStarDelta,
  type AgenticStarTask,
  type AgenticStarMessageInfo,
} from './agenticstar-chunk';
