export {
  createClientCredentialsProvider,
  DEFAULT_REFRESH_SKEW_MS,
  DEFAULT_EXPIRES_IN_MS,
  type ClientCredentialsOptions,
  type GetTokenOptions,
  type TokenProvider,
} from './oauth-token-provider';
export { AccessToken } from './oauth-access-token';
export {
  buildTokenRequest,
  type TokenRequestStyle,
  type ClientAuthentication,
  type TokenRequestExtraBody,
  type TokenRequestParams,
  type TokenRequest,
  type TokenRequestBuilder,
} from './oauth-token-request';
export { parseTokenResponse, parseOAuthErrorBody, type ParsedTokenResponse } from './oauth-token-response';
export { credentialsFromAuthorization, type HttpAuth } from './http-auth';
export {
  apiKeyHeader,
  bearerHeader,
  withBodyApiKey,
  apiKeyAuth,
  CODEER_API_KEY_HEADER,
  MIIBO_ADMIN_API_KEY_HEADER,
  MIIBO_API_KEY_FIELD,
  type ApiKeyAuthOptions,
} from './api-key';
export { createApiKeyCheck, type ApiKeyCheck } from './api-key-check';
export {
  lazySecret,
  readSetting,
  lazySetting,
  type LazySecretOptions,
  type ReadSettingOptions,
  type EnvSource,
} from './settings-env';
export { acsPercentEncode, acsQueryString, type AcsQuery } from './acs-percent-encode';
export {
  signAcs3Request,
  acs3CanonicalRequest,
  acs3CanonicalHeaders,
  acs3CanonicalQueryString,
  acs3CanonicalUri,
  acs3StringToSign,
  acs3Signature,
  acs3Authorization,
  acs3Date,
  sha256Hex,
  ACS3_ALGORITHM,
  EMPTY_BODY_SHA256,
  type SignAcs3RequestOptions,
  type Acs3CanonicalRequestInput,
  type Acs3CanonicalRequest,
  type Acs3CanonicalHeaders,
  type AcsHeaders,
} from './acs3-signature';
export {
  rpcSignatureV1,
  rpcStringToSignV1,
  signRpcRequestV1,
  type RpcSignatureV1Options,
  type SignRpcRequestV1Options,
} from './rpc-signature';
export { maskSecret } from './secret-mask';
export { redact, redactHeaders, registerSecret, forgetSecret, REDACTED } from '@kakehashi/sse-core';
export { KakehashiError, ApiCallError, MissingConfigError, InvalidArgumentError } from '@kakehashi/sse-core';
