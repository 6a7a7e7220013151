import { InvalidArgumentError, registerSecret } from '@kakehashi/sse-core';
import { checkAcsCredentials } from './acs-credentials';
import { acsPercentEncode, acsQueryString, type AcsQuery } from './acs-percent-encode';
import { nodeCrypto } from './node-crypto';
import {
  assertNonEmptyString,
  assertOptionalPlainObject,
  assertOptionalString,
  assertOptionsObject,
} from './options-validation';

/** Options of {@link rpcSignatureV1}. Unknown keys are rejected. */
export interface RpcSignatureV1Options {
  /** HTTP method. Default `POST`. */
  method?: string;
  /** Every parameter that is sent (common and business ones, without `Signature`); `undefined`/`null` left out. */
  params: AcsQuery;
  /** The AccessKey secret. Registered for redaction. */
  accessKeySecret: string;
}

/**
 * The legacy RPC string to sign: `METHOD&%2F&` + ENC(`k=v&…` sorted, keys and values encoded), where
 * ENC is RFC 3986 percent-encoding.
 */
export function rpcStringToSignV1(method: string, params: AcsQuery): string {
  return `${method.toUpperCase()}&${acsPercentEncode('/')}&${acsPercentEncode(acsQueryString(params))}`;
}

function validateMethod(method: unknown): void {
  assertOptionalString(method, 'method');
  if (method !== undefined && !/^[A-Za-z]+$/.test(method))
    throw new InvalidArgumentError('method', `"${method}" is not an HTTP method`);
}

/**
 * The legacy Alibaba Cloud RPC signature (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`):
 * `base64(HMAC-SHA1(key = accessKeySecret + "&", stringToSign))`. Send it as the `Signature` parameter.
 */
export function rpcSignatureV1(options: RpcSignatureV1Options): string {
  assertOptionsObject(options, 'rpcSignatureV1', ['method', 'params', 'accessKeySecret']);
  assertNonEmptyString(options.accessKeySecret, 'accessKeySecret');
  registerSecret(options.accessKeySecret);
  validateMethod(options.method);
  assertOptionalPlainObject(options.params, 'params');
  if (options.params === undefined) throw new InvalidArgumentError('params', 'is required');
  const stringToSign = rpcStringToSignV1(options.method ?? 'POST', options.params);
  return nodeCrypto().createHmac('sha1', `${options.accessKeySecret}&`).update(stringToSign).digest('base64');
}

/** Options of {@link signRpcRequestV1}. Unknown keys are rejected. */
export interface SignRpcRequestV1Options {
  /** HTTP method. Default `POST`. */
  method?: string;
  /** The API action, for example `DescribeAIAgentInstance`. */
  action: string;
  /** The API version, for example `2020-11-09`. */
  version: string;
  /** Business parameters (`undefined`/`null` left out). Object values must already be JSON strings. */
  params?: AcsQuery;
  /** The AccessKey id, sent as `AccessKeyId`. */
  accessKeyId: string;
  /** Registered for redaction; never sent. */
  accessKeySecret: string;
  /** STS security token, sent as `SecurityToken`. */
  securityToken?: string;
  /** Response format. Default `JSON`. */
  format?: string;
  /** `Timestamp`: a `Date` (default now) or a string `YYYY-MM-DDTHH:mm:ssZ`. */
  timestamp?: Date | string;
  /** `SignatureNonce`. Default: a random UUID. */
  nonce?: string;
}

/**
 * Builds every parameter of a legacy RPC call (common ones, business ones and `Signature`). Send
 * them as the query string with {@link acsQueryString}.
 */
export function signRpcRequestV1(options: SignRpcRequestV1Options): Record<string, string> {
  assertOptionsObject(options, 'signRpcRequestV1', [
    'method',
    'action',
    'version',
    'params',
    'accessKeyId',
    'accessKeySecret',
    'securityToken',
    'format',
    'timestamp',
    'nonce',
  ]);
  checkAcsCredentials(options);
  assertNonEmptyString(options.action, 'action');
  assertNonEmptyString(options.version, 'version');
  validateMethod(options.method);
  assertOptionalPlainObject(options.params, 'params');
  assertOptionalString(options.format, 'format');
  assertOptionalString(options.nonce, 'nonce');
  let timestamp: string;
  if (options.timestamp === undefined) timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  else if (options.timestamp instanceof Date && !Number.isNaN(options.timestamp.getTime())) {
    timestamp = options.timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z');
  } else if (typeof options.timestamp === 'string' && options.timestamp !== '') timestamp = options.timestamp;
  else throw new InvalidArgumentError('timestamp', 'must be a valid Date or a string like 2025-01-01T00:00:00Z');

  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.params ?? {})) if (v !== undefined && v !== null) params[k] = String(v);
  Object.assign(params, {
    Action: options.action,
    Version: options.version,
    Format: options.format ?? 'JSON',
    AccessKeyId: options.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: options.nonce || nodeCrypto().randomUUID(),
    Timestamp: timestamp,
  });
  if (options.securityToken) params.SecurityToken = options.securityToken;
  params.Signature = rpcSignatureV1({
    method: options.method ?? 'POST',
    params,
    accessKeySecret: options.accessKeySecret,
  });
  return params;
}
