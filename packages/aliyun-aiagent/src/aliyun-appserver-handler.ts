import { lazySecret, type EnvSource } from '@kakehashi/auth';
import {
  ApiCallError,
  MissingConfigError,
  parseJsonRequestBody,
  readRequestText,
  runtimeEnv,
  validateArgument,
} from '@kakehashi/sse-core';
import { z } from 'zod';
import { apiKeyAuthorizer, authorizationCredential, type AppServerAuthorize } from './aliyun-appserver-auth';
import { corsHeaders, type AppServerCorsOptions } from './aliyun-appserver-cors';
import {
  describeInstanceBodySchema,
  describeIssues,
  messageChatTokenBodySchema,
  rtcAuthTokenBodySchema,
} from './aliyun-appserver-handler-schemas';
import {
  APP_SERVER_BASE_PATH,
  APP_SERVER_ENDPOINTS,
  APP_SERVER_INTERNAL_ERROR_MESSAGE,
  type AppServerEndpoint,
} from './aliyun-appserver-wire';
import { ARTC_DEFAULT_TTL_SECONDS, buildArtcToken } from './aliyun-artc-token';
import { createIceClient, ICE_PROVIDER, type IceClient } from './aliyun-ice-client';
import { envSchema, functionSchema, regionSchema } from './aliyun-settings';

/** Options of {@link createAppServerHandler}. Unknown keys are rejected. */
export interface AppServerHandlerOptions {
  /** ARTC app id for `getRtcAuthToken`. Default: `ALIYUN_RTC_APP_ID`, read on first use. */
  rtcAppId?: string;
  /** ARTC app key for `getRtcAuthToken`. Default: `ALIYUN_RTC_APP_KEY`, read on first use. Never sent to clients. */
  rtcAppKey?: string;
  /**
   * The ICE client behind `generateMessageChatToken` and `describeAIAgentInstance`. Default: `createIceClient({ env })`,
   * which reads `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` and `ALIYUN_ICE_ENDPOINT` on first use.
   */
  ice?: IceClient;
  /** Accepted keys: `Authorization: Bearer <key>` or the bare key. Used when `authorize` is not given. */
  apiKeys?: readonly string[];
  /** Your own check (for example, verify your app's login JWT). Return `false` to answer HTTP 403. Wins over `apiKeys`. */
  authorize?: AppServerAuthorize;
  /**
   * CORS settings, or `false` to send no CORS headers. Default: no origin allowed (name your web
   * app's origins in `origin`; `'*'` only behind a real caller check), headers `authorization, content-type`.
   */
  cors?: AppServerCorsOptions | false;
  /** The path prefix routed. Default `/api/v2/aiagent`. */
  basePath?: string;
  /** Region used when a request names none (the official web client sends none to `describeAIAgentInstance`). Default: the ICE client's. */
  defaultRegion?: string;
  /** Lifetime of ARTC tokens in seconds. Default 86,400 (24 h, the documented maximum). */
  rtcTokenTtlSeconds?: number;
  /** `gslb` written into ARTC tokens, or `false` to leave it out. Default `["https://gw.rtn.aliyuncs.com"]`. */
  gslb?: readonly string[] | false;
  /** Makes a channel id when a request has none. Default: a UUID without hyphens (32 hex characters). */
  generateChannelId?: () => string;
  /** Largest request body accepted, in bytes. Default 65,536. */
  maxBodyBytes?: number;
  /** Called with every unexpected failure (missing configuration, ICE errors, network errors), for logging. */
  onError?: (error: unknown, context: { endpoint: AppServerEndpoint }) => void;
  /** Read environment variables from here instead of `process.env`. */
  env?: EnvSource;
}

/** A web-standard handler: mount it on any framework that speaks `Request` → `Response`. */
export type AppServerHandler = (request: Request) => Promise<Response>;

const optionsSchema = z
  .strictObject({
    rtcAppId: z.string().optional(),
    rtcAppKey: z.string().optional(),
    ice: z
      .custom<IceClient>(
        (v) => typeof v === 'object' && v !== null && typeof (v as IceClient).describeAIAgentInstance === 'function',
        {
          message: 'must be an IceClient (createIceClient())',
        },
      )
      .optional(),
    apiKeys: z.array(z.string()).readonly().optional(),
    authorize: functionSchema<AppServerAuthorize>().optional(),
    cors: z
      .union([
        z.literal(false),
        z.strictObject({
          origin: z
            .union([z.string(), z.array(z.string()).readonly(), functionSchema<(origin: string) => boolean>()])
            .optional(),
          allowHeaders: z.array(z.string()).readonly().optional(),
          maxAgeSeconds: z.number().int().nonnegative().optional(),
        }),
      ])
      .optional(),
    basePath: z
      .string()
      .regex(/^\/[^?#]*$/, 'must be a path starting with "/"')
      .optional(),
    defaultRegion: regionSchema.optional(),
    rtcTokenTtlSeconds: z.number().int().positive().optional(),
    gslb: z.union([z.array(z.string().url()).readonly(), z.literal(false)]).optional(),
    generateChannelId: functionSchema<() => string>().optional(),
    maxBodyBytes: z.number().int().positive().optional(),
    onError: functionSchema<(error: unknown, context: { endpoint: AppServerEndpoint }) => void>().optional(),
    env: envSchema.optional(),
  })
  .refine((o) => o.apiKeys !== undefined || o.authorize !== undefined, {
    message: 'pass apiKeys (accepted keys) or authorize (your own check; `() => true` accepts every caller)',
    path: ['apiKeys'],
  });

/** A request body problem, answered with the validation shape `{code: 500, msg, message}`. */
class BodyError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function json(status: number, body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=utf-8', ...headers },
  });
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new BodyError(describeIssues(parsed.error));
  return parsed.data;
}

/** A config object as the AppServer sends it: a JSON string (`"{}"` when the instance has none). */
function configString(value: unknown): string {
  if (value === undefined || value === null) return '{}';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Alibaba's own `Message` from an ICE error body, when the excerpt holds it. */
function iceMessage(error: ApiCallError): string {
  try {
    const body = JSON.parse(error.bodyExcerpt ?? '') as { Message?: unknown };
    if (typeof body.Message === 'string' && body.Message) return body.Message;
  } catch {
    // Fall through to the generic text.
  }
  return `HTTP ${error.status}`;
}

const isEndpoint = (name: string): name is AppServerEndpoint =>
  (APP_SERVER_ENDPOINTS as readonly string[]).includes(name);

/**
 * Creates the AppServer's three endpoints as one web-standard handler (`Request` → `Response`),
 * wire-compatible with the official AICall clients: `POST {basePath}/getRtcAuthToken`,
 * `/generateMessageChatToken` and `/describeAIAgentInstance`; snake_case JSON; flat bodies with
 * `code: 200`; business failures as HTTP 200 with `{code, message, error_code, request_id}` (OpenAPI errors)
 * or `{code: 500, msg, message}` (bad request fields, named); HTTP 403 for a missing or refused
 * `Authorization`; CORS on every response and `OPTIONS` → 204. Other paths get a 404.
 *
 * @throws InvalidArgumentError naming the bad option (for example when neither `apiKeys` nor `authorize` is given).
 */
export function createAppServerHandler(options: AppServerHandlerOptions): AppServerHandler {
  const o = validateArgument(optionsSchema, options, 'options');
  const env = o.env;
  const authorize = o.authorize ?? apiKeyAuthorizer(o.apiKeys ?? []);
  const basePath = (o.basePath ?? APP_SERVER_BASE_PATH).replace(/\/+$/, '');
  const maxBodyBytes = o.maxBodyBytes ?? 65_536;
  const generateChannelId = o.generateChannelId ?? (() => crypto.randomUUID().replaceAll('-', ''));
  let appId: string | undefined;
  const readAppId = () => {
    if (appId) return appId;
    const value = o.rtcAppId?.trim() || (env ?? runtimeEnv()).ALIYUN_RTC_APP_ID?.trim();
    if (!value) throw new MissingConfigError('rtcAppId', 'ALIYUN_RTC_APP_ID');
    appId = value;
    return value;
  };
  const readAppKey = lazySecret({
    value: o.rtcAppKey,
    env: 'ALIYUN_RTC_APP_KEY',
    setting: 'rtcAppKey',
    ...(env ? { source: env } : {}),
  });
  let ice = o.ice;
  const iceClient = () => (ice ??= createIceClient(env ? { env } : {}));
  const region = (given: string | null | undefined) => (given ? given : o.defaultRegion);

  const endpoints: Record<AppServerEndpoint, (body: unknown) => Promise<Record<string, unknown>>> = {
    async getRtcAuthToken(body) {
      const b = parseBody(rtcAuthTokenBodySchema, body);
      const channelId = b.channel_id ? b.channel_id : generateChannelId();
      const built = buildArtcToken({
        appId: readAppId(),
        appKey: readAppKey(),
        channelId,
        userId: b.user_id,
        expiresInSeconds: o.rtcTokenTtlSeconds ?? ARTC_DEFAULT_TTL_SECONDS,
        ...(o.gslb === undefined ? {} : { gslb: o.gslb }),
      });
      return { code: 200, rtc_auth_token: built.rtcAuthToken, channel_id: built.channelId, timestamp: built.timestamp };
    },

    async generateMessageChatToken(body) {
      const b = parseBody(messageChatTokenBodySchema, body);
      const r = region(b.region);
      const out = await iceClient().generateMessageChatToken(
        {
          aiAgentId: b.ai_agent_id,
          userId: b.user_id,
          ...(b.role ? { role: b.role } : {}),
          ...(b.expire ? { expire: b.expire } : {}),
        },
        r ? { region: r } : {},
      );
      return {
        code: 200,
        message: 'success',
        request_id: out.requestId,
        app_id: out.appId,
        token: out.token,
        user_id: out.userId ?? b.user_id,
        nonce: out.nonce,
        role: out.role ?? b.role ?? '',
        timestamp: out.timestamp,
        app_sign: out.appSign,
      };
    },

    async describeAIAgentInstance(body) {
      const b = parseBody(describeInstanceBodySchema, body);
      const r = region(b.region);
      const out = await iceClient().describeAIAgentInstance(
        { instanceId: b.ai_agent_instance_id },
        r ? { region: r } : {},
      );
      const inst = out.instance;
      return {
        code: 200,
        message: 'success',
        request_id: out.requestId,
        call_log_url: inst.callLogUrl,
        runtime_config: configString(inst.runtimeConfig),
        template_config: configString(inst.templateConfig),
        agent_config: configString(inst.agentConfig),
        status: inst.status,
        user_data: inst.userData,
        session_id: inst.sessionId,
        gmt_create: inst.gmtCreate,
        gmt_modified: inst.gmtModified,
      };
    },
  };

  return async function appServerHandler(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const path = pathname.replace(/\/+$/, '');
    const name = path.startsWith(`${basePath}/`) ? path.slice(basePath.length + 1) : '';
    const cors = corsHeaders(request, o.cors, request.method === 'OPTIONS');
    if (!isEndpoint(name)) return json(404, { code: 404, message: 'Not Found' }, cors);
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });
    if (request.method !== 'POST')
      return json(405, { code: 405, message: 'Method Not Allowed' }, { ...cors, allow: 'POST, OPTIONS' });

    const authorization = request.headers.get('authorization') ?? undefined;
    let allowed = false;
    try {
      allowed = await authorize({
        authorization,
        credential: authorizationCredential(authorization),
        endpoint: name,
        request,
      });
    } catch {
      allowed = false;
    }
    if (allowed !== true) return json(403, { code: 403, message: 'Forbidden' }, cors);

    try {
      const text = await readRequestText(request, maxBodyBytes);
      if (text === undefined)
        return json(413, { code: 413, message: `Payload Too Large (at most ${maxBodyBytes} bytes)` }, cors);
      const parsed = parseJsonRequestBody(text);
      // Too deep is refused like too large: an HTTP status of its own (400), not a field problem.
      if (!parsed.ok && parsed.reason === 'too-deep') return json(400, { code: 400, message: parsed.message }, cors);
      if (!parsed.ok) throw new BodyError(['body: must be a JSON object']);
      const body = parsed.value;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new BodyError(['body: must be a JSON object']);
      return json(200, await endpoints[name](body), cors);
    } catch (error) {
      if (error instanceof BodyError)
        return json(200, { code: 500, msg: error.problems.join('<br>'), message: error.message }, cors);
      o.onError?.(error, { endpoint: name });
      if (ApiCallError.isInstance(error) && error.provider === ICE_PROVIDER) {
        return json(
          200,
          { code: error.status, message: iceMessage(error), error_code: error.code, request_id: error.requestId },
          cors,
        );
      }
      return json(200, { code: 500, message: APP_SERVER_INTERNAL_ERROR_MESSAGE }, cors);
    }
  };
}
