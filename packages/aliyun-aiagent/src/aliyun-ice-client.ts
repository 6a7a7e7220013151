import { lazySecret, type EnvSource } from '@kakehashi/auth';
import {
  httpRequest,
  InvalidArgumentError,
  MissingConfigError,
  registerSecret,
  ResponseDecodeError,
  runtimeEnv,
  validateArgument,
  type ErrorBodyDetails,
  type FetchFunction,
  type TimeoutOptions,
  parseJsonObject,
} from '@kakehashi/sse-core';
import { z } from 'zod';
import {
  agentCallBodySchema,
  callActionParamsSchema,
  describeAIAgentInstanceInputSchema,
  generateAIAgentCallInputSchema,
  generateMessageChatTokenInputSchema,
  iceBodySchema,
  iceCallOptionsSchema,
  instanceBodySchema,
  messageChatTokenBodySchema,
  startAIAgentInstanceInputSchema,
  startedBodySchema,
  stopAIAgentInstanceInputSchema,
  updateAIAgentInstanceInputSchema,
} from './aliyun-ice-schemas';
import { ICE_API_VERSION, iceQuery, iceUrl, signIceRequest, type IceActionParams } from './aliyun-ice-signing';
import {
  envSchema,
  fetchSchema,
  headersSchema,
  jsonParam,
  maxRetriesSchema,
  regionSchema,
  timeoutsSchema,
} from './aliyun-settings';

/** Names the platform in errors thrown by the ICE client. */
export const ICE_PROVIDER = 'aliyun-ice';
/** Endpoint template used when neither `endpoint` nor `ALIYUN_ICE_ENDPOINT` is set. */
export const ICE_DEFAULT_ENDPOINT = 'https://ice.{region}.aliyuncs.com';

/** Settings of {@link createIceClient}. Unknown keys are rejected. */
export interface IceClientSettings {
  /** Region used when a call names none, e.g. `cn-shanghai`. Agents are regional: use the agent's region. */
  region?: string;
  /**
   * Endpoint URL (scheme and host, optionally with a `{region}` placeholder). Default: the
   * `ALIYUN_ICE_ENDPOINT` environment variable, else `https://ice.{region}.aliyuncs.com`.
   */
  endpoint?: string;
  /** AccessKey id. Default: `ALIBABA_CLOUD_ACCESS_KEY_ID`, read on first use. */
  accessKeyId?: string;
  /** AccessKey secret. Default: `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, read on first use. Never sent, never in errors. */
  accessKeySecret?: string;
  /** STS security token (with temporary credentials), sent signed as `x-acs-security-token`. */
  securityToken?: string;
  /** Extra headers on every request (`x-acs-*` ones are signed). */
  headers?: Record<string, string>;
  /** A fetch-compatible function to send requests with. Default: sse-core's undici transport. */
  fetch?: FetchFunction;
  /** Timeouts (headers, idle, total). Defaults: sse-core's (60 s, 120 s, off). */
  timeouts?: TimeoutOptions;
  /** Retries on 408/409/429/5xx, throttling codes and connection errors, each re-signed with a fresh nonce. Default 2. */
  maxRetries?: number;
  /** Read environment variables from here instead of `process.env`. */
  env?: EnvSource;
}

/** Per-call options of the ICE client. Unknown keys are rejected. */
export interface IceCallOptions {
  /** The agent's region; overrides the client's `region` (ignored when the endpoint has no `{region}` placeholder). */
  region?: string;
  /** Cancels the call and its retries. */
  signal?: AbortSignal;
  /** Overrides the client's timeouts for this call. */
  timeouts?: TimeoutOptions;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
}

/** A JSON-object parameter: an object (sent as its JSON text) or a string already holding JSON. */
export type IceJsonParam = string | Record<string, unknown>;

/** Input of `GenerateMessageChatToken`. */
export interface GenerateMessageChatTokenInput {
  /** `AIAgentId`: the message-chat agent. */
  aiAgentId: string;
  /** `UserId`: letters, digits and `_`, at most 64. */
  userId: string;
  /** `Role`: for example `admin` (may call management IM APIs). */
  role?: string;
  /** `Expire`: lifetime in seconds. The API's default is 3,600. */
  expire?: number;
}

/** Output of `GenerateMessageChatToken`. */
export interface IceMessageChatToken {
  /** `RequestId`. */
  requestId?: string;
  /** `AppId`: the message-chat application. */
  appId?: string;
  /** `Token`: the user's message-chat token. */
  token?: string;
  /** `UserId` the token is for. */
  userId?: string;
  /** `Nonce` used to make the token (e.g. `AK-…`). */
  nonce?: string;
  /** `Role` the token carries. */
  role?: string;
  /** `TimeStamp`: the absolute expiry in Unix seconds. */
  timestamp?: number;
  /** `AppSign`: the application signature the client SDK needs. */
  appSign?: string;
  /** The response body as sent (PascalCase), unknown fields included. */
  raw: Record<string, unknown>;
}

/** Input of `DescribeAIAgentInstance`. */
export interface DescribeAIAgentInstanceInput {
  /** `InstanceId`. */
  instanceId: string;
}

/** Output of `DescribeAIAgentInstance`. */
export interface IceAIAgentInstanceDescription {
  /** `RequestId`. */
  requestId?: string;
  /** `Instance`, camelCased. */
  instance: {
    /** `CallLogUrl`. */
    callLogUrl?: string;
    /** `RuntimeConfig` as sent (an object). */
    runtimeConfig?: unknown;
    /** `TemplateConfig` as sent (deprecated by the API in favour of `AgentConfig`). */
    templateConfig?: unknown;
    /** `AgentConfig` as sent. */
    agentConfig?: unknown;
    /** `Executing` or `Finished`. */
    status?: string;
    /** `UserData`: the custom data given at start (a string). */
    userData?: string;
    /** `SessionId`. */
    sessionId?: string;
    /** UTC ISO time. */
    gmtCreate?: string;
    /** UTC ISO time. */
    gmtModified?: string;
  };
  /** The response body as sent (PascalCase). */
  raw: Record<string, unknown>;
}

/** Input of `StartAIAgentInstance`. */
export interface StartAIAgentInstanceInput {
  /** `AIAgentId`. */
  aiAgentId: string;
  /** `RuntimeConfig`, e.g. `{ VoiceChat: { AgentUserId, ChannelId, AuthToken } }`. */
  runtimeConfig: IceJsonParam;
  /** `AgentConfig`, merged over the console configuration. */
  agentConfig?: IceJsonParam;
  /** `TemplateConfig` (deprecated by the API). */
  templateConfig?: IceJsonParam;
  /** `UserData`: custom data kept with the instance. */
  userData?: string;
  /** `SessionId`. */
  sessionId?: string;
  /** `ChatSyncConfig`, e.g. `{ IMAIAgentId, ReceiverId }`. */
  chatSyncConfig?: IceJsonParam;
}

/** Input of `StopAIAgentInstance`. */
export interface StopAIAgentInstanceInput {
  /** `InstanceId`. */
  instanceId: string;
}

/** Input of `UpdateAIAgentInstance`. */
export interface UpdateAIAgentInstanceInput {
  /** `InstanceId`. */
  instanceId: string;
  /** `TemplateConfig` (deprecated by the API). */
  templateConfig?: IceJsonParam;
  /** `AgentConfig`. */
  agentConfig?: IceJsonParam;
  /** `UserData`. */
  userData?: string;
}

/** Input of `GenerateAIAgentCall`. */
export interface GenerateAIAgentCallInput {
  /** `AIAgentId`. */
  aiAgentId: string;
  /** `Expire`: lifetime of the user's token in seconds (0-604,800; the API's default is 3,600). */
  expire?: number;
  /** `UserId`: the end user's id. */
  userId?: string;
  /** `TemplateConfig` (deprecated by the API). */
  templateConfig?: IceJsonParam;
  /** `AgentConfig`. */
  agentConfig?: IceJsonParam;
  /** `UserData`. */
  userData?: string;
  /** `SessionId`. */
  sessionId?: string;
  /** `ChatSyncConfig`. */
  chatSyncConfig?: IceJsonParam;
}

/** Output of `GenerateAIAgentCall`. */
export interface IceAIAgentCall {
  /** `RequestId`. */
  requestId?: string;
  /** `InstanceId` of the started agent. */
  instanceId?: string;
  /** `ChannelId` to join. */
  channelId?: string;
  /** `UserId` the token is for. */
  userId?: string;
  /** `AIAgentUserId`: the agent's user id in the channel. */
  aiAgentUserId?: string;
  /** The user's base64 ARTC join token. */
  token?: string;
  /** The response body as sent (PascalCase). */
  raw: Record<string, unknown>;
}

/** Output of actions that answer only a request id (and of `StartAIAgentInstance`, with `instanceId`). */
export interface IceRequestResult {
  /** `RequestId`. */
  requestId?: string;
  /** `InstanceId` (`StartAIAgentInstance` only). */
  instanceId?: string;
  /** The response body as sent (PascalCase). */
  raw: Record<string, unknown>;
}

/** A client of the Alibaba Cloud ICE OpenAPI (AI agent actions), signing with ACS3-HMAC-SHA256. */
export interface IceClient {
  /** `2020-11-09`. */
  readonly apiVersion: string;
  /** The endpoint calls for `region` go to (resolves `endpoint` / `ALIYUN_ICE_ENDPOINT` / the regional host). */
  endpointFor(region?: string): string;
  /** `GenerateMessageChatToken`: a message-chat (IM) token for a user. */
  generateMessageChatToken(
    input: GenerateMessageChatTokenInput,
    options?: IceCallOptions,
  ): Promise<IceMessageChatToken>;
  /** `DescribeAIAgentInstance`: an instance's status and configuration. */
  describeAIAgentInstance(
    input: DescribeAIAgentInstanceInput,
    options?: IceCallOptions,
  ): Promise<IceAIAgentInstanceDescription>;
  /** `StartAIAgentInstance`: start an agent in a channel. */
  startAIAgentInstance(input: StartAIAgentInstanceInput, options?: IceCallOptions): Promise<IceRequestResult>;
  /** `StopAIAgentInstance`. */
  stopAIAgentInstance(input: StopAIAgentInstanceInput, options?: IceCallOptions): Promise<IceRequestResult>;
  /** `UpdateAIAgentInstance`. */
  updateAIAgentInstance(input: UpdateAIAgentInstanceInput, options?: IceCallOptions): Promise<IceRequestResult>;
  /** `GenerateAIAgentCall`: start an agent and mint the user's ARTC token in one call. */
  generateAIAgentCall(input: GenerateAIAgentCallInput, options?: IceCallOptions): Promise<IceAIAgentCall>;
  /** Any other ICE action (e.g. `ListAIAgentInstance`), PascalCase parameters in, the PascalCase body out. */
  callAction(action: string, params?: IceActionParams, options?: IceCallOptions): Promise<Record<string, unknown>>;
}

const settingsSchema = z.strictObject({
  region: regionSchema.optional(),
  endpoint: z.string().min(1).optional(),
  accessKeyId: z.string().optional(),
  accessKeySecret: z.string().optional(),
  securityToken: z.string().optional(),
  headers: headersSchema.optional(),
  fetch: fetchSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
  env: envSchema.optional(),
});

const ACTION_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** Reads Alibaba's error body `{RequestId, HostId, Code, Message, Recommend}`; throttling codes are retryable. */
export function parseIceErrorBody(text: string, status: number): ErrorBodyDetails | undefined {
  const b = parseJsonObject(text);
  if (!b) return undefined;
  const code = typeof b.Code === 'string' ? b.Code : undefined;
  const throttled = code !== undefined && /^Throttling|^ServiceUnavailable/.test(code);
  return {
    code,
    message: typeof b.Message === 'string' ? b.Message : undefined,
    requestId: typeof b.RequestId === 'string' ? b.RequestId : undefined,
    retryable: throttled || status === 429 || status >= 500 ? true : undefined,
  };
}

/**
 * Creates an ICE OpenAPI client (version 2020-11-09, RPC style: `POST https://ice.<region>.aliyuncs.com/?<params>`
 * with an empty body, V3 `ACS3-HMAC-SHA256` signature from `@kakehashi/auth`, re-signed for every retry).
 * Credentials are read on first use; a missing one throws `MissingConfigError` naming its variable.
 *
 * @throws InvalidArgumentError naming the bad setting.
 */
export function createIceClient(settings: IceClientSettings = {}): IceClient {
  const s = validateArgument(settingsSchema, settings, 'settings');
  const env = s.env;
  if (s.securityToken) registerSecret(s.securityToken);
  const readId = () => {
    const value = s.accessKeyId?.trim() || (env ?? runtimeEnv()).ALIBABA_CLOUD_ACCESS_KEY_ID?.trim();
    if (!value) throw new MissingConfigError('accessKeyId', 'ALIBABA_CLOUD_ACCESS_KEY_ID');
    return value;
  };
  const readSecret = lazySecret({
    value: s.accessKeySecret,
    env: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    setting: 'accessKeySecret',
    ...(env ? { source: env } : {}),
  });

  function endpointFor(region?: string): string {
    const fromEnv = (env ?? runtimeEnv()).ALIYUN_ICE_ENDPOINT?.trim();
    const template = s.endpoint?.trim() || fromEnv || ICE_DEFAULT_ENDPOINT;
    // Errors name where the bad value came from: the option, or the variable.
    const from = !s.endpoint?.trim() && fromEnv ? 'ALIYUN_ICE_ENDPOINT' : 'endpoint';
    let resolved = template;
    if (template.includes('{region}')) {
      const r = region ?? s.region;
      if (!r) throw new MissingConfigError('region', 'ALIYUN_ICE_ENDPOINT');
      resolved = template.replaceAll('{region}', r);
    }
    let url: URL;
    try {
      url = new URL(resolved);
    } catch {
      throw new InvalidArgumentError(from, `"${resolved}" is not an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InvalidArgumentError(from, `protocol must be http: or https:, got ${url.protocol}`);
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      throw new InvalidArgumentError(from, 'must be a scheme and host only (RPC-style calls go to "/")');
    }
    return url.origin;
  }

  async function call(
    action: string,
    params: IceActionParams,
    rawOptions: IceCallOptions | undefined,
  ): Promise<Record<string, unknown>> {
    const options = validateArgument(iceCallOptionsSchema, rawOptions ?? {}, 'options');
    const origin = endpointFor(options.region);
    const accessKeyId = readId();
    const accessKeySecret = readSecret();
    const credentials = {
      accessKeyId,
      accessKeySecret,
      ...(s.securityToken ? { securityToken: s.securityToken } : {}),
    };
    const res = await httpRequest({
      url: iceUrl(origin, iceQuery(params)),
      method: 'POST',
      provider: ICE_PROVIDER,
      fetch: s.fetch,
      signal: options.signal,
      timeouts: { ...s.timeouts, ...options.timeouts },
      retry: { maxRetries: options.maxRetries ?? s.maxRetries ?? 2 },
      read: 'buffer',
      parseErrorBody: parseIceErrorBody,
      // Resolved per attempt: every retry is signed again with a fresh date and nonce, as the API requires.
      headers: () =>
        signIceRequest({
          endpoint: origin,
          action,
          params,
          ...credentials,
          ...(s.headers ? { headers: s.headers } : {}),
        }).headers,
    });
    const body = await res.json<unknown>();
    const parsed = iceBodySchema.safeParse(body);
    if (!parsed.success) {
      throw new ResponseDecodeError('invalid-event', `${ICE_PROVIDER} ${action}: the response is not a JSON object`, {
        excerpt: JSON.stringify(body),
      });
    }
    return parsed.data;
  }

  function decode<T>(schema: z.ZodType<T>, body: Record<string, unknown>, action: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ResponseDecodeError(
        'invalid-event',
        `${ICE_PROVIDER} ${action}: unexpected response field ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
        {
          excerpt: JSON.stringify(body),
        },
      );
    }
    return parsed.data;
  }

  return {
    apiVersion: ICE_API_VERSION,
    endpointFor(region) {
      if (region !== undefined) validateArgument(regionSchema, region, 'region');
      return endpointFor(region);
    },

    async generateMessageChatToken(input, options) {
      const i = validateArgument(generateMessageChatTokenInputSchema, input, 'input');
      const raw = await call(
        'GenerateMessageChatToken',
        { AIAgentId: i.aiAgentId, UserId: i.userId, Role: i.role, Expire: i.expire },
        options,
      );
      const b = decode(messageChatTokenBodySchema, raw, 'GenerateMessageChatToken');
      return {
        requestId: b.RequestId,
        appId: b.AppId,
        token: b.Token,
        userId: b.UserId,
        nonce: b.Nonce,
        role: b.Role,
        timestamp: b.TimeStamp,
        appSign: b.AppSign,
        raw,
      };
    },

    async describeAIAgentInstance(input, options) {
      const i = validateArgument(describeAIAgentInstanceInputSchema, input, 'input');
      const raw = await call('DescribeAIAgentInstance', { InstanceId: i.instanceId }, options);
      const b = decode(instanceBodySchema, raw, 'DescribeAIAgentInstance');
      const inst = b.Instance ?? {};
      return {
        requestId: b.RequestId,
        instance: {
          callLogUrl: inst.CallLogUrl,
          runtimeConfig: inst.RuntimeConfig,
          templateConfig: inst.TemplateConfig,
          agentConfig: inst.AgentConfig,
          status: inst.Status,
          userData: inst.UserData,
          sessionId: inst.SessionId,
          gmtCreate: inst.GmtCreate,
          gmtModified: inst.GmtModified,
        },
        raw,
      };
    },

    async startAIAgentInstance(input, options) {
      const i = validateArgument(startAIAgentInstanceInputSchema, input, 'input');
      const raw = await call(
        'StartAIAgentInstance',
        {
          AIAgentId: i.aiAgentId,
          RuntimeConfig: jsonParam(i.runtimeConfig),
          AgentConfig: jsonParam(i.agentConfig),
          TemplateConfig: jsonParam(i.templateConfig),
          UserData: i.userData,
          SessionId: i.sessionId,
          ChatSyncConfig: jsonParam(i.chatSyncConfig),
        },
        options,
      );
      const b = decode(startedBodySchema, raw, 'StartAIAgentInstance');
      return { requestId: b.RequestId, instanceId: b.InstanceId, raw };
    },

    async stopAIAgentInstance(input, options) {
      const i = validateArgument(stopAIAgentInstanceInputSchema, input, 'input');
      const raw = await call('StopAIAgentInstance', { InstanceId: i.instanceId }, options);
      return { requestId: decode(iceBodySchema, raw, 'StopAIAgentInstance').RequestId, raw };
    },

    async updateAIAgentInstance(input, options) {
      const i = validateArgument(updateAIAgentInstanceInputSchema, input, 'input');
      const raw = await call(
        'UpdateAIAgentInstance',
        {
          InstanceId: i.instanceId,
          TemplateConfig: jsonParam(i.templateConfig),
          AgentConfig: jsonParam(i.agentConfig),
          UserData: i.userData,
        },
        options,
      );
      return { requestId: decode(iceBodySchema, raw, 'UpdateAIAgentInstance').RequestId, raw };
    },

    async generateAIAgentCall(input, options) {
      const i = validateArgument(generateAIAgentCallInputSchema, input, 'input');
      const raw = await call(
        'GenerateAIAgentCall',
        {
          AIAgentId: i.aiAgentId,
          Expire: i.expire,
          UserId: i.userId,
          TemplateConfig: jsonParam(i.templateConfig),
          AgentConfig: jsonParam(i.agentConfig),
          UserData: i.userData,
          SessionId: i.sessionId,
          ChatSyncConfig: jsonParam(i.chatSyncConfig),
        },
        options,
      );
      const b = decode(agentCallBodySchema, raw, 'GenerateAIAgentCall');
      return {
        requestId: b.RequestId,
        instanceId: b.InstanceId,
        channelId: b.ChannelId,
        userId: b.UserId,
        aiAgentUserId: b.AIAgentUserId,
        token: b.Token,
        raw,
      };
    },

    async callAction(action, params = {}, options) {
      if (typeof action !== 'string' || !ACTION_NAME.test(action)) {
        throw new InvalidArgumentError('action', 'must be an ICE action name such as ListAIAgentInstance');
      }
      const p = validateArgument(callActionParamsSchema, params, 'params');
      return call(action, p, options);
    },
  };
}
