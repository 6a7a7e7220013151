export { createMiibo, type MiiboProvider, type MiiboChatResult } from './miibo-provider';
export { miiboPlatform, type MiiboPlatform } from './miibo-platform';
export {
  MIIBO_DEFAULT_BASE_URL,
  MIIBO_CONVERSATION_PATH,
  MIIBO_AGENT_GROUPS_START_PATH,
  MIIBO_ENV,
  type MiiboSettings,
} from './miibo-settings';
export type { MiiboChatInput, MiiboStartConversationInput } from './miibo-chat-input';
export type { MiiboRequestOptions } from './miibo-request-options';
export { MiiboChatStream, type MiiboAnswer } from './miibo-chat-stream';
export type { MiiboResponse, MiiboBestResponse } from './miibo-response';
export { miiboResponseSchema, isMiiboResponse } from './miibo-response';
export type { MiiboStreamEvent, MiiboSnapshotEvent, MiiboFinalEvent, MiiboUnknownEvent } from './miibo-stream-events';
export { decodeMiiboStream, type MiiboDecodeOptions, type MiiboFinalObjectRule } from './miibo-stream-decoder';
export {
  toMiiboAgentEvents,
  decodeMiiboAgentEvents,
  MIIBO_PROVIDER,
  type MiiboAgentEventOptions,
} from './miibo-agent-events';
export {
  MIIBO_AGENT_GROUP_MAX_AGENTS,
  MIIBO_AGENT_GROUP_MAX_UTTERANCE,
  MIIBO_AGENT_GROUP_MAX_EMAILS,
  type MiiboAgentGroupMember,
  type MiiboAgentGroupStartInput,
  type MiiboAgentGroupStartOptions,
  type MiiboAgentGroupStartResponse,
} from './miibo-agent-groups';
export {
  parseAgentGroupWebhook,
  type MiiboAgentGroupWebhook,
  type MiiboAgentGroupWebhookBase,
  type MiiboAgentGroupCompletedPayload,
  type MiiboAgentGroupErrorPayload,
  type MiiboAgentGroupResult,
  type MiiboAgentGroupInteraction,
} from './miibo-agent-group-webhook';
export {
  verifyAgentGroupWebhook,
  verifyMiiboHmac,
  verifySharedSecret,
  signMiiboWebhook,
  webhookHeader,
  MiiboWebhookVerificationError,
  MIIBO_HMAC_HEADER,
  type VerifyAgentGroupWebhookOptions,
  type VerifyMiiboHmacOptions,
  type WebhookHeaders,
  type WebhookBody,
} from './miibo-webhook-verification';
