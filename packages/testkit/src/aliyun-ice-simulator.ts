import { verifyAcs3Request, parseRawQuery } from './aliyun-acs3-verify';
import {
  ALIYUN_ICE_SIM_AGENT_ID,
  IceActionError,
  iceActions,
  seededInstance,
  type AliyunIceInstance,
  type IceActionContext,
} from './aliyun-ice-simulator-state';
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

/** The ICE OpenAPI version the simulator speaks. */
export const ALIYUN_ICE_SIM_VERSION = '2020-11-09';
/** Default AccessKey id the ICE simulator accepts. */
export const ALIYUN_ICE_SIM_ACCESS_KEY_ID = 'LTAI5tSimulatorKeyId';
/** Default AccessKey secret the ICE simulator verifies signatures with. */
export const ALIYUN_ICE_SIM_ACCESS_KEY_SECRET = 'sim-access-key-secret-0123456789';

/** Options of {@link startAliyunIceSimulator}. Unknown keys are rejected. */
export interface AliyunIceSimulatorOptions {
  /** AccessKey id requests must name. Default {@link ALIYUN_ICE_SIM_ACCESS_KEY_ID}. */
  accessKeyId?: string;
  /** AccessKey secret signatures are recomputed with. Default {@link ALIYUN_ICE_SIM_ACCESS_KEY_SECRET}. */
  accessKeySecret?: string;
  /** When set, requests must carry this STS token in `x-acs-security-token` (signed). */
  securityToken?: string;
  /** Loopback host to bind. Default `127.0.0.1`. */
  host?: string;
  /** Largest accepted gap between `x-acs-date` and the simulator's clock, in seconds. Default 900 (±15 min). */
  maxClockSkewSeconds?: number;
  /** Known agent ids; any other `AIAgentId` gets 404 `AgentNotFound`. Default: every id is accepted. */
  agentIds?: string[];
  /** Replace the seeded instance ({@link ALIYUN_ICE_SIM_INSTANCE_ID}) with these. */
  instances?: AliyunIceInstance[];
  /** `AppId` of message-chat tokens. Default `sim-im-app-id`. */
  messageChatAppId?: string;
  /** ARTC app id used for `GenerateAIAgentCall` tokens. Default `sim-rtc-app-id`. */
  rtcAppId?: string;
  /** ARTC app key used for `GenerateAIAgentCall` tokens. Default `sim-rtc-app-key`. */
  rtcAppKey?: string;
  /** The simulator's clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** An action the simulator handled (signature accepted), with its decoded query parameters. */
export interface AliyunIceCall {
  /** `x-acs-action`. */
  action: string;
  /** Decoded query parameters. */
  params: Record<string, string>;
  /** The `RequestId` answered. */
  requestId: string;
  /** HTTP status answered. */
  status: number;
  /** `Code` of an error answer. */
  code?: string;
  /** The `x-acs-signature-nonce` the request carried. */
  nonce: string;
}

/** A scripted answer: a body (PascalCase; `RequestId` is added when missing) or a function of the parameters. */
export type AliyunIceAnswer =
  | Record<string, unknown>
  | ((params: Record<string, string>, instances: Map<string, AliyunIceInstance>) => Record<string, unknown>);

/** An error the next requests get, in Alibaba's shape. */
export interface AliyunIceRejection {
  /** HTTP status, e.g. 404. */
  status: number;
  /** `Code`, e.g. `AgentNotFound` or `Forbidden.SubscriptionRequired`. */
  code: string;
  /** `Message`. Default: the code. */
  message?: string;
}

/**
 * A running ICE OpenAPI simulator. The fault knobs are the testkit's shared ones
 * ({@link SimulatorFaultKnobs}): `fail` and `rateLimit` hit signed requests (after the signature check),
 * `delayHeaders` every request, `stall`, `cut` and `malformedJson` every answer body.
 */
export interface AliyunIceSimulator extends SimulatorFaultKnobs<AliyunIceSimulator> {
  /** Base URL to pass as the ICE client's `endpoint`: `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Every HTTP request received (signed or not), in order. */
  readonly requests: RecordedRequest[];
  /** Every request whose signature was accepted, with its action and parameters. */
  readonly calls: AliyunIceCall[];
  /** The AccessKey id accepted. */
  readonly accessKeyId: string;
  /** The AccessKey secret signatures are checked with. */
  readonly accessKeySecret: string;
  /** The live instance store (seeded with {@link ALIYUN_ICE_SIM_INSTANCE_ID}); edit it freely. */
  readonly instances: Map<string, AliyunIceInstance>;
  /** The faults armed now (`split` and each armed knob with what is left of its count). */
  readonly faults: SimulatorFaultState;
  /** Script the answer to an action (a new action name adds one). `undefined` restores the default. */
  respond(action: string, answer: AliyunIceAnswer | undefined): AliyunIceSimulator;
  /** The next `count` signed requests (after the version check) get this Alibaba error instead of their answer. */
  platformError(count: number, rejection: AliyunIceRejection): AliyunIceSimulator;
  platformError(rejection: AliyunIceRejection): AliyunIceSimulator;
  /** @deprecated Renamed {@link AliyunIceSimulator.platformError}; same arguments. */
  reject(count: number, rejection: AliyunIceRejection): AliyunIceSimulator;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const OPTION_KEYS = [
  'accessKeyId',
  'accessKeySecret',
  'securityToken',
  'host',
  'maxClockSkewSeconds',
  'agentIds',
  'instances',
  'messageChatAppId',
  'rtcAppId',
  'rtcAppKey',
  'now',
];
const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' };
const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function checkOptions(options: AliyunIceSimulatorOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('testkit: startAliyunIceSimulator options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key))
      throw new TypeError(`testkit: unknown option "${key}" (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  for (const key of [
    'accessKeyId',
    'accessKeySecret',
    'securityToken',
    'messageChatAppId',
    'rtcAppId',
    'rtcAppKey',
  ] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`testkit: option "${key}" must be a non-empty string`);
    }
  }
}

/**
 * Starts a loopback simulator of the Alibaba Cloud ICE OpenAPI (version 2020-11-09, RPC style:
 * `POST /?<params>` with an empty body, V3 `ACS3-HMAC-SHA256` signature). It recomputes every request's
 * signature with the configured AccessKey secret (wrong → HTTP 400 `SignatureDoesNotMatch`), rejects
 * reused nonces, stale `x-acs-date` and a wrong `x-acs-version`, and answers `GenerateMessageChatToken`,
 * `DescribeAIAgentInstance`, `StartAIAgentInstance`, `StopAIAgentInstance`, `UpdateAIAgentInstance` and
 * `GenerateAIAgentCall` in PascalCase JSON with a `RequestId`, deterministically.
 */
export async function startAliyunIceSimulator(options: AliyunIceSimulatorOptions = {}): Promise<AliyunIceSimulator> {
  checkOptions(options);
  const accessKeyId = options.accessKeyId ?? ALIYUN_ICE_SIM_ACCESS_KEY_ID;
  const accessKeySecret = options.accessKeySecret ?? ALIYUN_ICE_SIM_ACCESS_KEY_SECRET;
  const maxSkewMs = (options.maxClockSkewSeconds ?? 900) * 1000;
  const now = options.now ?? Date.now;
  const faults = new SimulatorFaults('aliyun ice simulator', false);
  const scripted = new Map<string, AliyunIceAnswer>();
  const usedNonces = new Set<string>();
  const calls: AliyunIceCall[] = [];
  const instances = new Map<string, AliyunIceInstance>();
  for (const inst of options.instances ?? [seededInstance()]) instances.set(inst.InstanceId, { ...inst });
  let sequence = 0;
  let requestSequence = 0;

  const ctx: IceActionContext = {
    now,
    nextId: () => (++sequence).toString(16).padStart(8, '0').padStart(32, 'a51de0c0'),
    instances,
    agentIds: options.agentIds ? new Set([...options.agentIds, ALIYUN_ICE_SIM_AGENT_ID]) : undefined,
    messageChatAppId: options.messageChatAppId ?? 'sim-im-app-id',
    rtcAppId: options.rtcAppId ?? 'sim-rtc-app-id',
    rtcAppKey: options.rtcAppKey ?? 'sim-rtc-app-key',
  };

  const newRequestId = () =>
    `7B117AF5-2A16-412C-B127-${(++requestSequence).toString(16).toUpperCase().padStart(12, '0')}`;

  function answer(
    status: number,
    body: Record<string, unknown>,
    extraHeaders: Record<string, string> = {},
  ): ScriptedReply {
    const requestId = String(body.RequestId);
    return shapeWholeBody(
      faults,
      status,
      { ...JSON_HEADERS, 'x-acs-request-id': requestId, ...extraHeaders },
      JSON.stringify(body),
    );
  }

  function errorReply(
    request: RecordedRequest,
    status: number,
    code: string,
    message: string,
    extraHeaders?: Record<string, string>,
  ): ScriptedReply {
    const requestId = newRequestId();
    return answer(
      status,
      {
        RequestId: requestId,
        HostId: request.headers.host ?? 'ice.aliyuncs.com',
        Code: code,
        Message: message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=ICE&requestId=${requestId}`,
      },
      extraHeaders,
    );
  }

  function handle(request: RecordedRequest): ScriptedReply {
    const delayMs = faults.takeHeadersDelay();
    const reply = route(request);
    return delayMs === undefined ? reply : { ...reply, headersDelayMs: delayMs };
  }

  function route(request: RecordedRequest): ScriptedReply {
    if (request.path !== '/' || (request.method !== 'POST' && request.method !== 'GET')) {
      return errorReply(
        request,
        404,
        'InvalidAction.NotFound',
        'Specified api is not found, please check your url and method.',
      );
    }
    const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const verdict = verifyAcs3Request({
      method: request.method,
      path: request.path,
      rawQuery,
      headers: request.headers,
      body: request.rawBody,
      secretFor: (id) => (id === accessKeyId ? accessKeySecret : undefined),
    });
    if (!verdict.ok) return errorReply(request, verdict.status, verdict.code, verdict.message);

    const date = request.headers['x-acs-date'] ?? '';
    if (!ACS_DATE.test(date) || Math.abs(Date.parse(date) - now()) > maxSkewMs) {
      return errorReply(
        request,
        400,
        'InvalidTimeStamp.Expired',
        `Specified time stamp or date value is expired or malformed: ${date}`,
      );
    }
    const nonce = request.headers['x-acs-signature-nonce'] ?? '';
    if (usedNonces.has(nonce))
      return errorReply(request, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    usedNonces.add(nonce);
    if (options.securityToken !== undefined && request.headers['x-acs-security-token'] !== options.securityToken) {
      return errorReply(request, 400, 'InvalidSecurityToken.Mismatch', 'Specified security token is not valid.');
    }

    const action = request.headers['x-acs-action'] ?? '';
    const params: Record<string, string> = {};
    for (const [k, v] of parseRawQuery(rawQuery)) params[k] = v;
    const record = (status: number, requestId: string, code?: string) => {
      calls.push({ action, params, requestId, status, nonce, ...(code === undefined ? {} : { code }) });
    };

    const fault = faults.takeGate();
    if (fault?.kind === 'rateLimit') {
      const reply = errorReply(request, 429, 'Throttling.User', 'Request was denied due to user flow control.', {
        'retry-after': String(fault.retryAfterSeconds),
      });
      record(429, requestIdOf(reply), 'Throttling.User');
      return reply;
    }
    if (fault?.kind === 'fail') {
      const reply = errorReply(
        request,
        fault.status,
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
      );
      record(fault.status, requestIdOf(reply), 'ServiceUnavailable');
      return reply;
    }
    if (request.headers['x-acs-version'] !== ALIYUN_ICE_SIM_VERSION) {
      const reply = errorReply(
        request,
        400,
        'InvalidVersion',
        `Specified parameter Version is not valid: ${request.headers['x-acs-version'] ?? ''}`,
      );
      record(400, requestIdOf(reply), 'InvalidVersion');
      return reply;
    }
    const rejection = faults.take(['platformError'])?.options as AliyunIceRejection | undefined;
    if (rejection) {
      const reply = errorReply(request, rejection.status, rejection.code, rejection.message ?? rejection.code);
      record(rejection.status, requestIdOf(reply), rejection.code);
      return reply;
    }
    const script = scripted.get(action);
    const builtIn = iceActions[action];
    if (!script && !builtIn) {
      const reply = errorReply(
        request,
        404,
        'InvalidAction.NotFound',
        'Specified api is not found, please check your url and method.',
      );
      record(404, requestIdOf(reply), 'InvalidAction.NotFound');
      return reply;
    }
    try {
      const body = script ? (typeof script === 'function' ? script(params, instances) : script) : builtIn!(ctx, params);
      const requestId = typeof body.RequestId === 'string' ? body.RequestId : newRequestId();
      record(200, requestId);
      return answer(200, { RequestId: requestId, ...body });
    } catch (error) {
      if (error instanceof IceActionError) {
        const reply = errorReply(request, error.status, error.code, error.message);
        record(error.status, requestIdOf(reply), error.code);
        return reply;
      }
      throw error;
    }
  }

  const server = await startScriptedServer({ host: options.host, handler: handle });

  const sim: AliyunIceSimulator = {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    requests: server.requests,
    calls,
    accessKeyId,
    accessKeySecret,
    instances,
    respond(action, answerScript) {
      if (typeof action !== 'string' || action === '')
        throw new TypeError('testkit: respond(action) must be a non-empty string');
      if (answerScript === undefined) scripted.delete(action);
      else scripted.set(action, answerScript);
      return sim;
    },
    get faults() {
      return faults.state;
    },
    platformError(count: number | AliyunIceRejection, rejection?: AliyunIceRejection) {
      const where = faults.where('platformError');
      const parsed = faults.args('platformError', count, rejection, ['status', 'code', 'message']);
      const { status, code, message } = parsed.options;
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)
        throw new RangeError(
          `${where}: options.status must be an HTTP error status from 400 to 599 (got ${String(status)})`,
        );
      if (typeof code !== 'string' || code === '')
        throw new TypeError(`${where}: options.code must be a non-empty string such as "AgentNotFound"`);
      if (message !== undefined && typeof message !== 'string')
        throw new TypeError(`${where}: options.message must be a string`);
      faults.arm('platformError', parsed.count, { status, code, ...(message === undefined ? {} : { message }) });
      return sim;
    },
    reject(count, rejection) {
      return sim.platformError(count, rejection);
    },
    ...faultKnobs(faults, () => sim),
    close: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
  return sim;
}

function requestIdOf(reply: ScriptedReply): string {
  return reply.headers?.['x-acs-request-id'] ?? '';
}
