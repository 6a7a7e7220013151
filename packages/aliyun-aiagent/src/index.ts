// ARTC join tokens (server side).
export {
  buildArtcToken,
  artcTokenHash,
  ARTC_DEFAULT_GSLB,
  ARTC_DEFAULT_TTL_SECONDS,
  ARTC_ID_PATTERN,
  type ArtcTokenOptions,
  type ArtcToken,
} from './aliyun-artc-token';

// ICE OpenAPI client (server side, ACS3-HMAC-SHA256).
export {
  createIceClient,
  parseIceErrorBody,
  ICE_PROVIDER,
  ICE_DEFAULT_ENDPOINT,
  type IceClient,
  type IceClientSettings,
  type IceCallOptions,
  type IceJsonParam,
  type GenerateMessageChatTokenInput,
  type IceMessageChatToken,
  type DescribeAIAgentInstanceInput,
  type IceAIAgentInstanceDescription,
  type StartAIAgentInstanceInput,
  type StopAIAgentInstanceInput,
  type UpdateAIAgentInstanceInput,
  type GenerateAIAgentCallInput,
  type IceAIAgentCall,
  type IceRequestResult,
} from './aliyun-ice-client';

export {
  signIceRequest,
  ICE_API_VERSION,
  type SignIceRequestOptions,
  type SignedIceRequest,
  type IceActionParams,
} from './aliyun-ice-signing';

// AppServer handlers (server side, web-standard Request -> Response).
export {
  createAppServerHandler,
  type AppServerHandler,
  type AppServerHandlerOptions,
} from './aliyun-appserver-handler';
export {
  apiKeyAuthorizer,
  authorizationCredential,
  type AppServerAuthorize,
  type AppServerAuthContext,
} from './aliyun-appserver-auth';
export type { AppServerCorsOptions } from './aliyun-appserver-cors';

// AppServer client (app side).
export {
  createAppServerClient,
  type AppServerClient,
  type AppServerClientSettings,
  type AppServerCallOptions,
  type AppServerBody,
  type GetRtcAuthTokenInput,
  type RtcAuthToken,
  type GenerateMessageChatTokenRequest,
  type MessageChatToken,
  type DescribeAIAgentInstanceRequest,
  type AIAgentInstanceInfo,
} from './aliyun-appserver-client';
export { isAuthExpiredError, AUTH_EXPIRED_CODE, APP_SERVER_PROVIDER } from './aliyun-appserver-errors';

// The AppServer wire (shared by client and handler).
export {
  APP_SERVER_BASE_PATH,
  APP_SERVER_ENDPOINTS,
  APP_SERVER_LEGACY_ENDPOINTS,
  APP_SERVER_SUCCESS_CODE,
  APP_SERVER_INTERNAL_ERROR_MESSAGE,
  type AppServerEndpoint,
  type AppServerLegacyEndpoint,
  type RtcAuthTokenBody,
  type AppServerErrorBody,
} from './aliyun-appserver-wire';
