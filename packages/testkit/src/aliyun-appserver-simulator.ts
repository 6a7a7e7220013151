import { randomUUID } from 'node:crypto';
import { simulatorArtcToken } from './aliyun-artc-token';
import { AliyunFaults, type AliyunFaultKnobs } from './aliyun-simulator-faults';
import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';
import { startScriptedServer } from './scripted-server';

/** Default login token the AppServer simulator accepts in `Authorization` (raw or `Bearer …`). */
export const ALIYUN_APPSERVER_SIM_AUTHORIZATION = 'sim-login-token-0001';
/** The AppServer path prefix. */
export const ALIYUN_APPSERVER_SIM_BASE_PATH = '/api/v2/aiagent';

/** Options of {@link startAliyunAppServerSimulator}. Unknown keys are rejected. */
export interface AliyunAppServerSimulatorOptions {
  /** Loopback host to bind. Default `127.0.0.1`. */
  host?: string;
  /** Accepted `Authorization` values (each also accepted as `Bearer <value>`). Default `[ALIYUN_APPSERVER_SIM_AUTHORIZATION]`. */
  authorizations?: string[];
  /** ARTC app id for `getRtcAuthToken`. Default `sim-rtc-app-id`. */
  rtcAppId?: string;
  /** ARTC app key for `getRtcAuthToken`. Default `sim-rtc-app-key`. */
  rtcAppKey?: string;
  /** The simulator's clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** A scripted AppServer answer: a snake_case body (`code: 200` is added when missing) or a function of the request body. */
export type AliyunAppServerAnswer =
  | Record<string, unknown>
  | ((body: Record<string, unknown>) => Record<string, unknown>);

/** A running AICall AppServer simulator (the wire the official clients call). */
export interface AliyunAppServerSimulator extends AliyunFaultKnobs<AliyunAppServerSimulator> {
  /** Base URL to give the AppServer client (`ALIYUN_APPSERVER_URL`): `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Script an endpoint by name (`getRtcAuthToken`, `generateAIAgentCall`, …); `undefined` restores the default. */
  respond(endpoint: string, answer: AliyunAppServerAnswer | undefined): AliyunAppServerSimulator;
  /** The next `count` requests get HTTP 403 (the official clients' "login expired"), whatever they send. */
  expireAuth(count?: number): AliyunAppServerSimulator;
  /** The next `count` requests get HTTP 200 with this business error body (`code` ≠ 200). */
  businessError(
    count: number,
    body: { code: number; message?: string; error_code?: string; request_id?: string },
  ): AliyunAppServerSimulator;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const OPTION_KEYS = ['host', 'authorizations', 'rtcAppId', 'rtcAppKey', 'now'];
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '86400',
};
const JSON_HEADERS = { 'content-type': 'application/json', ...CORS_HEADERS };

class InvalidBody extends Error {}

function field(body: Record<string, unknown>, name: string, pattern?: RegExp): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidBody(`${name}: must not be blank`);
  if (pattern && !pattern.test(value)) throw new InvalidBody(`${name}: has an invalid format`);
  return value;
}

/**
 * Starts a loopback simulator of an AICall AppServer: `POST /api/v2/aiagent/getRtcAuthToken`,
 * `generateMessageChatToken` and `describeAIAgentInstance`, flat snake_case JSON with `code: 200`,
 * HTTP 403 for a missing or unknown `Authorization`, CORS with `OPTIONS` → 204. Answers are
 * deterministic (real ARTC tokens from the configured app id and key; Japanese user data).
 */
export async function startAliyunAppServerSimulator(
  options: AliyunAppServerSimulatorOptions = {},
): Promise<AliyunAppServerSimulator> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('testkit: startAliyunAppServerSimulator options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key))
      throw new TypeError(`testkit: unknown option "${key}" (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  const accepted = new Set(options.authorizations ?? [ALIYUN_APPSERVER_SIM_AUTHORIZATION]);
  const rtcAppId = options.rtcAppId ?? 'sim-rtc-app-id';
  const rtcAppKey = options.rtcAppKey ?? 'sim-rtc-app-key';
  const now = options.now ?? Date.now;
  const faults = new AliyunFaults();
  const scripted = new Map<string, AliyunAppServerAnswer>();
  const businessErrors: Array<Record<string, unknown>> = [];
  let expired = 0;
  let sequence = 0;
  const requestId = () => `7B117AF5-2A16-412C-B127-${(++sequence).toString(16).toUpperCase().padStart(12, '0')}`;

  const defaults: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    getRtcAuthToken(body) {
      const userId = field(body, 'user_id', /^[A-Za-z0-9_-]{1,64}$/);
      const given = typeof body.channel_id === 'string' ? body.channel_id.trim() : '';
      const channelId = given || randomUUID().replaceAll('-', '');
      const timestamp = Math.floor(now() / 1000) + 86_400;
      const { rtcAuthToken } = simulatorArtcToken({ appId: rtcAppId, appKey: rtcAppKey, channelId, userId, timestamp });
      return { code: 200, rtc_auth_token: rtcAuthToken, channel_id: channelId, timestamp };
    },
    generateMessageChatToken(body) {
      field(body, 'ai_agent_id');
      const userId = field(body, 'user_id', /^[A-Za-z0-9_]{1,64}$/);
      const expire = typeof body.expire === 'number' ? body.expire : 3600;
      return {
        code: 200,
        message: 'success',
        request_id: requestId(),
        app_id: 'sim-im-app-id',
        token: `acet${Buffer.from(`${userId}:${expire}`).toString('hex')}`,
        user_id: userId,
        nonce: 'AK-0001',
        role: typeof body.role === 'string' ? body.role : '',
        timestamp: Math.floor(now() / 1000) + expire,
        app_sign: 'H4sIAAAAAAAEsimulated',
      };
    },
    describeAIAgentInstance(body) {
      field(body, 'user_id');
      field(body, 'ai_agent_instance_id');
      return {
        code: 200,
        message: 'success',
        request_id: requestId(),
        call_log_url: 'https://example.com/call_logs/12345',
        runtime_config: JSON.stringify({
          VoiceChat: { AgentUserId: 'voice_agent_001', ChannelId: 'voice_channel_001' },
        }),
        template_config: JSON.stringify({ VoiceChat: { AppId: 'sim_voice_chat_app_id' } }),
        agent_config: JSON.stringify({ Greeting: 'こんにちは、架け橋のデモです。ご用件をどうぞ。' }),
        user_data: JSON.stringify({ 名前: '山田太郎' }),
        status: 'Finished',
      };
    },
  };

  const json = (status: number, body: unknown): ScriptedReply =>
    faults.shape(status, { ...JSON_HEADERS }, JSON.stringify(body));

  function handle(request: RecordedRequest): ScriptedReply {
    const prefix = `${ALIYUN_APPSERVER_SIM_BASE_PATH}/`;
    const endpoint = request.path.startsWith(prefix) ? request.path.slice(prefix.length) : '';
    const known = endpoint !== '' && (scripted.has(endpoint) || endpoint in defaults);
    if (!known)
      return { status: 404, headers: JSON_HEADERS, body: JSON.stringify({ code: 404, message: 'Not Found' }) };
    if (request.method === 'OPTIONS') return { status: 204, headers: CORS_HEADERS };
    if (request.method !== 'POST')
      return {
        status: 405,
        headers: { ...JSON_HEADERS, allow: 'POST, OPTIONS' },
        body: JSON.stringify({ code: 405, message: 'Method Not Allowed' }),
      };

    const gate = faults.takeGate();
    if (gate?.kind === 'rate-limit') {
      return {
        status: 429,
        headers: { ...JSON_HEADERS, 'retry-after': String(gate.retryAfterSeconds) },
        body: JSON.stringify({ code: 429, message: 'Too Many Requests' }),
      };
    }
    if (gate?.kind === 'fail')
      return {
        status: gate.status,
        headers: JSON_HEADERS,
        body: JSON.stringify({ code: gate.status, message: 'Service Unavailable' }),
      };

    const auth = (request.headers.authorization ?? '').trim();
    const token = /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : auth;
    if (expired > 0 || !accepted.has(token)) {
      if (expired > 0) expired--;
      return { status: 403, headers: JSON_HEADERS, body: JSON.stringify({ code: 403, message: 'Forbidden' }) };
    }
    const business = businessErrors.shift();
    if (business) return json(200, business);

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(request.body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return json(200, { code: 500, message: '服务器异常，请稍后重试' });
    }
    try {
      const script = scripted.get(endpoint);
      const out = script ? (typeof script === 'function' ? script(body) : script) : defaults[endpoint]!(body);
      return json(200, { code: 200, ...out });
    } catch (error) {
      if (error instanceof InvalidBody) return json(200, { code: 500, msg: error.message, message: error.message });
      throw error;
    }
  }

  const server = await startScriptedServer({ host: options.host, handler: handle });
  const sim: AliyunAppServerSimulator = {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    requests: server.requests,
    respond(endpoint, answer) {
      if (typeof endpoint !== 'string' || !/^[A-Za-z0-9]+$/.test(endpoint))
        throw new TypeError('testkit: respond(endpoint) must be an endpoint name like "generateAIAgentCall"');
      if (answer === undefined) scripted.delete(endpoint);
      else scripted.set(endpoint, answer);
      return sim;
    },
    expireAuth(count = 1) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`testkit: expireAuth count must be a non-negative integer (got ${String(count)})`);
      expired = count;
      return sim;
    },
    businessError(count, body) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`testkit: businessError count must be a non-negative integer (got ${String(count)})`);
      if (typeof body?.code !== 'number' || body.code === 200)
        throw new TypeError('testkit: businessError body.code must be a number other than 200');
      for (let i = 0; i < count; i++) businessErrors.push({ ...body });
      return sim;
    },
    ...faults.knobs(
      () => sim,
      () => {
        businessErrors.length = 0;
        expired = 0;
      },
    ),
    close: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
  return sim;
}
