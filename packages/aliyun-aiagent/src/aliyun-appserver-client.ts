import type { EnvSource } from '@kakehashi/auth';
import {
  ApiCallError,
  createHttpClient,
  InvalidArgumentError,
  MissingConfigError,
  registerSecret,
  resolveValue,
  ResponseDecodeError,
  runtimeEnv,
  validateArgument,
  type FetchFunction,
  type TimeoutOptions,
} from '@kakehashi/sse-core';
import { z } from 'zod';
import {
  authorizationSettingSchema,
  callOptionsSchema,
  describeInstanceBodySchema,
  describeInstanceInputSchema,
  envelopeSchema,
  legacyBodySchema,
  messageChatTokenBodySchema,
  messageChatTokenInputSchema,
  rtcAuthTokenBodySchema,
  rtcAuthTokenInputSchema,
} from './aliyun-appserver-client-schemas';
import { APP_SERVER_PROVIDER, parseAppServerErrorBody } from './aliyun-appserver-errors';
import {
  APP_SERVER_BASE_PATH,
  APP_SERVER_LEGACY_ENDPOINTS,
  APP_SERVER_SUCCESS_CODE,
  type AppServerLegacyEndpoint,
} from './aliyun-appserver-wire';
import { envSchema, fetchSchema, headersSchema, maxRetriesSchema, timeoutsSchema } from './aliyun-settings';

/** Settings of {@link createAppServerClient}. Unknown keys are rejected. */
export interface AppServerClientSettings {
  /** The AppServer's base URL (without `/api/v2/aiagent`). Default: `ALIYUN_APPSERVER_URL`, read on first use. */
  baseURL?: string;
  /**
   * Your app's login credential, sent as-is in `Authorization` (add `Bearer ` yourself if your server wants it).
   * A function is called before every request (so a refreshed login is picked up). Registered for redaction.
   */
  authorization?: string | (() => string | Promise<string>);
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch-compatible function to send requests with. Default: sse-core's undici transport. */
  fetch?: FetchFunction;
  /** Timeouts (headers, idle, total). Defaults: sse-core's (60 s, 120 s, off). */
  timeouts?: TimeoutOptions;
  /** Retries on 408/409/429/5xx and connection errors. Default 2. Business errors (`code` ≠ 200) and 403 are never retried. */
  maxRetries?: number;
  /** Read environment variables from here instead of `process.env`. */
  env?: EnvSource;
}

/** Per-call options of the AppServer client. Unknown keys are rejected. */
export interface AppServerCallOptions {
  /** `Authorization` for this call, overriding the client's. */
  authorization?: string;
  /** Cancels the call and its retries. */
  signal?: AbortSignal;
  /** Overrides the client's timeouts for this call. */
  timeouts?: TimeoutOptions;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
}

/** Input of `getRtcAuthToken`. */
export interface GetRtcAuthTokenInput {
  /** `user_id`: 1-64 letters, digits, `_` or `-`. */
  userId: string;
  /** `channel_id`: same rule. Omit it and the server generates one (returned as `channelId`). */
  channelId?: string;
}

/** Output of `getRtcAuthToken`. */
export interface RtcAuthToken {
  /** `rtc_auth_token`: the base64 ARTC join token. */
  rtcAuthToken: string;
  /** `channel_id`: the channel the token is for. */
  channelId?: string;
  /** `timestamp`: absolute expiry in Unix seconds. */
  timestamp?: number;
  /** The body as received (snake_case), unknown fields included. */
  raw: Record<string, unknown>;
}

/** Input of `generateMessageChatToken`. */
export interface GenerateMessageChatTokenRequest {
  /** `ai_agent_id`. */
  aiAgentId: string;
  /** `user_id`: 1-64 letters, digits or `_`. */
  userId: string;
  /** `role`, e.g. `admin`. */
  role?: string;
  /** `expire`: lifetime in seconds (the server's default is 3,600). */
  expire?: number;
  /** `region`: the agent's region, e.g. `cn-shanghai` (documented as required; servers may default it). */
  region?: string;
}

/** Output of `generateMessageChatToken` (what the official web SDK's `AIChatAuthToken` needs). */
export interface MessageChatToken {
  /** `request_id`. */
  requestId?: string;
  /** `app_id`. */
  appId?: string;
  /** `token`. */
  token?: string;
  /** `user_id`. */
  userId?: string;
  /** `nonce`. */
  nonce?: string;
  /** `role`. */
  role?: string;
  /** Absolute expiry in Unix seconds. */
  timestamp?: number;
  /** `app_sign`. */
  appSign?: string;
  /** The body as received (snake_case). */
  raw: Record<string, unknown>;
}

/** Input of `describeAIAgentInstance`. */
export interface DescribeAIAgentInstanceRequest {
  /** `user_id`. */
  userId: string;
  /** `ai_agent_instance_id`. */
  aiAgentInstanceId: string;
  /** `region`. */
  region?: string;
}

/** Output of `describeAIAgentInstance`. The config fields are JSON text, as sent. */
export interface AIAgentInstanceInfo {
  /** `request_id`. */
  requestId?: string;
  /** `call_log_url`. */
  callLogUrl?: string;
  /** `runtime_config` (JSON text). */
  runtimeConfig?: string;
  /** `template_config` (JSON text). */
  templateConfig?: string;
  /** `agent_config` (JSON text). */
  agentConfig?: string;
  /** `Executing` or `Finished`. */
  status?: string;
  /** `user_data`. */
  userData?: string;
  /** The body as received (snake_case). */
  raw: Record<string, unknown>;
}

/** A loosely typed snake_case body (the legacy endpoints). */
export type AppServerBody = Record<string, unknown>;

/** A client of an AICall AppServer (the official one, this package's handler, or any compatible server). */
export interface AppServerClient {
  /** `getRtcAuthToken`: the user's ARTC join token (the current "proxy" call flow needs only this). */
  getRtcAuthToken(input: GetRtcAuthTokenInput, options?: AppServerCallOptions): Promise<RtcAuthToken>;
  /** `generateMessageChatToken`: a message-chat token (for chat agents). */
  generateMessageChatToken(
    input: GenerateMessageChatTokenRequest,
    options?: AppServerCallOptions,
  ): Promise<MessageChatToken>;
  /** `describeAIAgentInstance`: an instance's status and configs (JSON text). */
  describeAIAgentInstance(
    input: DescribeAIAgentInstanceRequest,
    options?: AppServerCallOptions,
  ): Promise<AIAgentInstanceInfo>;
  /**
   * Calls any endpoint under `/api/v2/aiagent/` with a snake_case body and returns the successful body
   * as received (`code` checked). For the legacy endpoints and your own additions.
   */
  call(endpoint: string, body: AppServerBody, options?: AppServerCallOptions): Promise<AppServerBody>;
  /** Legacy / extra endpoints, loosely typed (snake_case in, snake_case out). */
  readonly legacy: Readonly<
    Record<AppServerLegacyEndpoint, (body: AppServerBody, options?: AppServerCallOptions) => Promise<AppServerBody>>
  >;
}

const settingsSchema = z.strictObject({
  baseURL: z.string().optional(),
  authorization: authorizationSettingSchema.optional(),
  headers: headersSchema.optional(),
  fetch: fetchSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
  env: envSchema.optional(),
});

const ENDPOINT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
/** Secret fields some endpoints return (getOssConfig's STS credentials); registered for redaction on receipt. */
const SECRET_RESPONSE_FIELDS = ['access_key_secret', 'sts_token', 'security_token'];

/**
 * Creates a client of an AICall AppServer: `POST {baseURL}/api/v2/aiagent/<endpoint>` with snake_case
 * JSON and your login in `Authorization`. A body with `code` ≠ 200 throws `ApiCallError` (`status` = the
 * body's `code`, `code` = its `error_code`, `requestId` = its `request_id`); HTTP 403 throws an
 * `ApiCallError` with code `auth-expired` (see `isAuthExpiredError`).
 *
 * @throws InvalidArgumentError naming the bad setting.
 */
export function createAppServerClient(settings: AppServerClientSettings = {}): AppServerClient {
  const s = validateArgument(settingsSchema, settings, 'settings');
  if (typeof s.authorization === 'string') registerSecret(s.authorization);
  let baseURL: string | undefined;
  const readBaseURL = () => {
    if (baseURL) return baseURL;
    const value = s.baseURL?.trim() || (s.env ?? runtimeEnv()).ALIYUN_APPSERVER_URL?.trim();
    if (!value) throw new MissingConfigError('baseURL', 'ALIYUN_APPSERVER_URL');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidArgumentError('baseURL', `"${value}" is not an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InvalidArgumentError('baseURL', `protocol must be http: or https:, got ${url.protocol}`);
    baseURL = value.replace(/\/+$/, '');
    return baseURL;
  };

  const http = createHttpClient({
    baseURL: readBaseURL,
    provider: APP_SERVER_PROVIDER,
    fetch: s.fetch,
    timeouts: s.timeouts,
    retry: { maxRetries: s.maxRetries ?? 2 },
    parseErrorBody: parseAppServerErrorBody,
  });

  async function post(
    endpoint: string,
    body: AppServerBody,
    rawOptions: AppServerCallOptions | undefined,
  ): Promise<AppServerBody> {
    const options = validateArgument(callOptionsSchema, rawOptions ?? {}, 'options');
    readBaseURL();
    const res = await http.request({
      path: `${APP_SERVER_BASE_PATH}/${endpoint}`,
      method: 'POST',
      body: { json: body },
      read: 'buffer',
      signal: options.signal,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.maxRetries === undefined ? {} : { retry: { maxRetries: options.maxRetries } }),
      headers: async () => {
        const authorization =
          options.authorization ?? (s.authorization === undefined ? undefined : await resolveValue(s.authorization));
        if (authorization) registerSecret(authorization);
        return { ...s.headers, ...(authorization ? { authorization } : {}) };
      },
    });
    const data = await res.json<unknown>();
    const envelope = envelopeSchema.safeParse(data);
    if (!envelope.success) {
      throw new ResponseDecodeError(
        'invalid-event',
        `${APP_SERVER_PROVIDER} ${endpoint}: the response is not an AppServer body (an object with an integer "code")`,
        {
          excerpt: JSON.stringify(data),
        },
      );
    }
    const e = envelope.data;
    for (const field of SECRET_RESPONSE_FIELDS) if (typeof e[field] === 'string') registerSecret(e[field] as string);
    if (e.code !== APP_SERVER_SUCCESS_CODE) {
      throw new ApiCallError({
        url: res.url,
        status: e.code,
        provider: APP_SERVER_PROVIDER,
        code: e.error_code ?? e.code,
        requestId: e.request_id,
        message: `${endpoint}: ${e.message ?? e.msg ?? `code ${e.code}`}`,
        bodyExcerpt: JSON.stringify(data),
        retryable: false,
      });
    }
    return e as AppServerBody;
  }

  function decode<T>(schema: z.ZodType<T>, body: AppServerBody, endpoint: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ResponseDecodeError(
        'invalid-event',
        `${APP_SERVER_PROVIDER} ${endpoint}: unexpected field ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
        {
          excerpt: JSON.stringify(body),
        },
      );
    }
    return parsed.data;
  }

  const call = async (endpoint: string, body: AppServerBody, options?: AppServerCallOptions) => {
    if (typeof endpoint !== 'string' || !ENDPOINT_NAME.test(endpoint)) {
      throw new InvalidArgumentError('endpoint', 'must be an endpoint name such as generateAIAgentCall');
    }
    return post(endpoint, validateArgument(legacyBodySchema, body, 'body'), options);
  };

  const legacy = Object.fromEntries(
    APP_SERVER_LEGACY_ENDPOINTS.map((name) => [
      name,
      (body: AppServerBody, options?: AppServerCallOptions) => call(name, body, options),
    ]),
  ) as AppServerClient['legacy'];

  return {
    async getRtcAuthToken(input, options) {
      const i = validateArgument(rtcAuthTokenInputSchema, input, 'input');
      const raw = await post(
        'getRtcAuthToken',
        { user_id: i.userId, ...(i.channelId ? { channel_id: i.channelId } : {}) },
        options,
      );
      const b = decode(rtcAuthTokenBodySchema, raw, 'getRtcAuthToken');
      return { rtcAuthToken: b.rtc_auth_token, channelId: b.channel_id, timestamp: b.timestamp, raw };
    },

    async generateMessageChatToken(input, options) {
      const i = validateArgument(messageChatTokenInputSchema, input, 'input');
      const raw = await post(
        'generateMessageChatToken',
        { ai_agent_id: i.aiAgentId, user_id: i.userId, role: i.role, expire: i.expire, region: i.region },
        options,
      );
      const b = decode(messageChatTokenBodySchema, raw, 'generateMessageChatToken');
      return {
        requestId: b.request_id,
        appId: b.app_id,
        token: b.token,
        userId: b.user_id,
        nonce: b.nonce,
        role: b.role,
        timestamp: b.timestamp,
        appSign: b.app_sign,
        raw,
      };
    },

    async describeAIAgentInstance(input, options) {
      const i = validateArgument(describeInstanceInputSchema, input, 'input');
      const raw = await post(
        'describeAIAgentInstance',
        { user_id: i.userId, ai_agent_instance_id: i.aiAgentInstanceId, region: i.region },
        options,
      );
      const b = decode(describeInstanceBodySchema, raw, 'describeAIAgentInstance');
      return {
        requestId: b.request_id,
        callLogUrl: b.call_log_url,
        runtimeConfig: b.runtime_config,
        templateConfig: b.template_config,
        agentConfig: b.agent_config,
        status: b.status,
        userData: b.user_data,
        raw,
      };
    },

    call,
    legacy,
  };
}
