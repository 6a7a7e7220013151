import { randomUUID } from 'node:crypto';
import { simulatorArtcToken } from './aliyun-artc-token';
import {
  SimulatorFaults,
  faultKnobs,
  shapeWholeBody,
  type SimulatorFaultKnobs,
  type SimulatorFaultState,
} from './simulator-faults';
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

/** The body of an AppServer `platformError`: a business error in a 200 (`code` ≠ 200). */
export interface AliyunAppServerBusinessError {
  /** The body's `code`, a number other than 200 (e.g. 404, 500). */
  code: number;
  message?: string;
  error_code?: string;
  request_id?: string;
}

/**
 * A running AICall AppServer simulator (the wire the official clients call). The fault knobs are the
 * testkit's shared ones ({@link SimulatorFaultKnobs}): `fail`, `rateLimit` and `delayHeaders` hit every
 * `POST` to a known endpoint, `stall`, `cut` and `malformedJson` every answer body.
 */
export interface AliyunAppServerSimulator extends SimulatorFaultKnobs<AliyunAppServerSimulator> {
  /** Base URL to give the AppServer client (`ALIYUN_APPSERVER_URL`): `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Script an endpoint by name (`getRtcAuthToken`, `generateAIAgentCall`, …); `undefined` restores the default. */
  respond(endpoint: string, answer: AliyunAppServerAnswer | undefined): AliyunAppServerSimulator;
  /** The faults armed now (`split` and each armed knob with what is left of its count). */
  readonly faults: SimulatorFaultState;
  /** The next `count` requests get HTTP 403 (the official clients' "login expired"), whatever they send. */
  expireAuth(count?: number): AliyunAppServerSimulator;
  /** The next `count` authorised requests get HTTP 200 with this business error body (`code` ≠ 200). */
  platformError(count: number, body: AliyunAppServerBusinessError): AliyunAppServerSimulator;
  platformError(body: AliyunAppServerBusinessError): AliyunAppServerSimulator;
  /** @deprecated Renamed {@link AliyunAppServerSimulator.platformError}; same arguments. */
  businessError(count: number, body: AliyunAppServerBusinessError): AliyunAppServerSimulator;
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
  const faults = new SimulatorFaults('aliyun appserver simulator', false);
  const scripted = new Map<string, AliyunAppServerAnswer>();
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
    shapeWholeBody(faults, status, { ...JSON_HEADERS }, JSON.stringify(body));

  function handle(request: RecordedRequest): ScriptedReply {
    const delayMs = faults.takeHeadersDelay();
    const reply = route(request);
    return delayMs === undefined ? reply : { ...reply, headersDelayMs: delayMs };
  }

  function route(request: RecordedRequest): ScriptedReply {
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
    if (gate?.kind === 'rateLimit') {
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
    if (faults.take(['expireAuth']) !== undefined || !accepted.has(token)) {
      return { status: 403, headers: JSON_HEADERS, body: JSON.stringify({ code: 403, message: 'Forbidden' }) };
    }
    const business = faults.take(['platformError']);
    if (business) return json(200, { ...business.options });

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
    get faults() {
      return faults.state;
    },
    expireAuth(count?: number) {
      faults.arm('expireAuth', faults.args('expireAuth', count, undefined, []).count, {});
      return sim;
    },
    platformError(count: number | AliyunAppServerBusinessError, body?: AliyunAppServerBusinessError) {
      const where = faults.where('platformError');
      const parsed = faults.args('platformError', count, body, ['code', 'message', 'error_code', 'request_id']);
      const { code, message, error_code: errorCode, request_id: requestIdField } = parsed.options;
      if (typeof code !== 'number' || !Number.isInteger(code) || code === 200)
        throw new TypeError(`${where}: options.code must be an integer other than 200 (got ${String(code)})`);
      for (const [key, value] of [
        ['message', message],
        ['error_code', errorCode],
        ['request_id', requestIdField],
      ] as const) {
        if (value !== undefined && typeof value !== 'string')
          throw new TypeError(`${where}: options.${key} must be a string`);
      }
      faults.arm('platformError', parsed.count, { ...parsed.options });
      return sim;
    },
    businessError(count, body) {
      return sim.platformError(count, body);
    },
    ...faultKnobs(faults, () => sim),
    close: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
  return sim;
}
