/** The AppServer API's path prefix (current version, `v2`). */
export const APP_SERVER_BASE_PATH = '/api/v2/aiagent';

/** The three current AppServer endpoints (the ones the handler serves). */
export const APP_SERVER_ENDPOINTS = ['getRtcAuthToken', 'generateMessageChatToken', 'describeAIAgentInstance'] as const;
export type AppServerEndpoint = (typeof APP_SERVER_ENDPOINTS)[number];

/** Older or extra endpoints the official clients or older AppServer samples call (client side only, loosely typed). */
export const APP_SERVER_LEGACY_ENDPOINTS = [
  'generateAIAgentCall',
  'startAIAgentInstance',
  'startAIAgentInstanceWithChannel',
  'stopAIAgentInstance',
  'updateAIAgentInstance',
  'describeAIAgent',
  'startAIAgentOutboundCall',
  'setAIAgentVoiceprint',
  'clearAIAgentVoiceprint',
  'getOssConfig',
  'cosyVoiceClone',
] as const;
export type AppServerLegacyEndpoint = (typeof APP_SERVER_LEGACY_ENDPOINTS)[number];

/** `code` of a successful AppServer body. */
export const APP_SERVER_SUCCESS_CODE = 200;

/** The message of the official sample's catch-all error body (`{code: 500, message}`), used for unexpected failures. */
export const APP_SERVER_INTERNAL_ERROR_MESSAGE = '服务器异常，请稍后重试';

/** A success body of `getRtcAuthToken`. */
export interface RtcAuthTokenBody {
  code: 200;
  rtc_auth_token: string;
  /** The channel the token is for: the requested one, or the one the server generated. */
  channel_id: string;
  /** Absolute expiry in Unix seconds. */
  timestamp: number;
}

/** The error bodies an AppServer sends (HTTP 200, `code` ≠ 200). */
export interface AppServerErrorBody {
  code: number;
  /** Human-readable reason (OpenAPI failures and the catch-all). */
  message?: string;
  /** Validation failures (the official sample's key; the handler sends `message` too). */
  msg?: string;
  /** The OpenAPI's error `Code`, e.g. `AgentNotFound`. */
  error_code?: string;
  /** The OpenAPI's `RequestId`. */
  request_id?: string;
}
