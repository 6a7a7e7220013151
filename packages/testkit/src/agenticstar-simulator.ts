import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';
import { startScriptedServer, type ScriptedServer } from './scripted-server';
import {
  FaultKnobSimulator,
  SimulatorFaults,
  beforeHeadersReply,
  layoutStream,
  truncatedJson,
  type SimulatorDelayHeadersOptions,
  type SimulatorFailOptions,
  type SimulatorFaultKnobs,
  type SimulatorFaultState,
  type SimulatorRateLimitOptions,
  type SimulatorStreamItem,
} from './simulator-faults';
import {
  AgenticStarConversationStore,
  type AgenticStarSimulatorConversation,
} from './agenticstar-simulator-conversations';
import { AgenticStarTokenStore, bearerToken, type AgenticStarIssuedToken } from './agenticstar-simulator-tokens';
import {
  SimulatorClock,
  chatChunk,
  defaultAnswerText,
  defaultScript,
  simulatorUuid,
  sseComment,
  sseData,
  type AgenticStarSimulatorStep,
  type AgenticStarSimulatorTask,
  type AgenticStarSimulatorTurn,
} from './agenticstar-simulator-wire';

/** The answer script: steps for every chat request, or a function of the request. */
export type AgenticStarSimulatorScript =
  | AgenticStarSimulatorStep[]
  | ((turn: AgenticStarSimulatorTurn) => AgenticStarSimulatorStep[]);

/** Which requests a `fail`, `rateLimit` or `delayHeaders` knob hits. */
export type AgenticStarSimulatorTarget = 'api' | 'chat' | 'conversations' | 'token';

/** Options of {@link startAgenticStarSimulator}. Every one can be changed later with `configure`. */
export interface AgenticStarSimulatorOptions {
  /** The client id the token endpoints accept. Default `sim-client-id`. */
  clientId?: string;
  /** The client secret the token endpoints accept. Default `sim-client-secret`. */
  clientSecret?: string;
  /** `expires_in` of SaaS tokens, in seconds; the simulator refuses them afterwards. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** `expires_in` of Marketplace tokens, in seconds. Default 1800 (the newer docs' value). */
  marketplaceTokenLifetimeSeconds?: number;
  /** Gap between `: heartbeat` comments while a stream is idle (during `wait` steps and `eventDelayMs` pauses). Default 30,000 ms; 0 = none. */
  heartbeatIntervalMs?: number;
  /** Pause before every data event after the role chunk, in ms (heartbeats are sent meanwhile). Default 0. */
  eventDelayMs?: number;
  /** Idle time of the default script after its first task, before any text (heartbeats are sent meanwhile). Default 0. */
  thinkMs?: number;
  /** The answer text of the default script (a function of the turn, or fixed text). Default: deterministic Japanese text quoting the message. */
  answer?: string | ((turn: AgenticStarSimulatorTurn) => string);
  /** Replaces the default script entirely. */
  script?: AgenticStarSimulatorScript;
  /** `finishReason` of the final chunk when a script has none. Default `stop`. */
  finishReason?: string;
  /** Path prefix of the API (`/api` mimics the newer documented hosts). The SaaS token endpoint stays at `/federation/auth/v1/token`. Default ''. */
  basePath?: string;
  /** Name of the items array in the conversations list (not documented). Default `conversations`. */
  conversationsField?: string;
  /** Conversations created up front (`conv-seed-0001`, …), for paging tests. Default 0. */
  seedConversations?: number;
  /** Loopback host to bind. Default `127.0.0.1`. */
  host?: string;
}

/** The `target` option of the `fail`, `rateLimit` and `delayHeaders` knobs. */
export interface AgenticStarSimulatorFaultOptions {
  /** `api` (default: chat and conversations), `chat`, `conversations` or `token` (both token endpoints). */
  target?: AgenticStarSimulatorTarget;
}

/**
 * A running AgenticStar simulator on loopback. The fault knobs are the testkit's shared ones
 * ({@link SimulatorFaultKnobs}); `stall`, `cut` and `malformedJson` hit chat streams, and `fail`,
 * `rateLimit` and `delayHeaders` take a `target`.
 */
export interface AgenticStarSimulator extends SimulatorFaultKnobs<AgenticStarSimulator> {
  /** API base URL (with `basePath`), to pass as the SDK's `baseURL`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, without `basePath`. */
  readonly origin: string;
  /** The SaaS (OIDC) token endpoint: `{origin}/federation/auth/v1/token` (form body). */
  readonly tokenUrl: string;
  /** The Marketplace token endpoint: `{url}/v1/auth/external-service-token` (JSON body). */
  readonly marketplaceTokenUrl: string;
  /** The client id and secret the token endpoints accept. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Requests to either token endpoint. */
  readonly tokenRequests: RecordedRequest[];
  /** `POST /v1/chat/completions` requests (refused ones included). */
  readonly chatRequests: RecordedRequest[];
  /** `GET /v1/conversations` requests. */
  readonly conversationRequests: RecordedRequest[];
  /** Every token issued, oldest first. */
  readonly issuedTokens: AgenticStarIssuedToken[];
  /** The simulator's conversations, oldest first. */
  readonly conversations: AgenticStarSimulatorConversation[];
  /** TCP connections accepted so far: with keep-alive, far fewer than requests. */
  readonly acceptedConnections: number;
  /** The faults armed now (`split` and each armed knob with what is left of its count). */
  readonly faults: SimulatorFaultState;
  /** Resolves once at least `count` requests (of any endpoint) arrived; rejects after `timeoutMs` (default 5000). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Changes options for the following requests. A key given as `undefined` goes back to its value at start (so `{ script: undefined }` restores the answer the simulator started with). */
  configure(options: Omit<AgenticStarSimulatorOptions, 'host' | 'seedConversations'>): this;
  /** The next `count` requests of `target` (default `api`) get a 5xx (default 503), `{error: {code: "unavailable"}}`. */
  fail(count?: number, options?: SimulatorFailOptions & AgenticStarSimulatorFaultOptions): this;
  fail(options: SimulatorFailOptions & AgenticStarSimulatorFaultOptions): this;
  /** The next `count` requests of `target` (default `api`) get 429 with `Retry-After: retryAfterSeconds` (default 0). */
  rateLimit(count?: number, options?: SimulatorRateLimitOptions & AgenticStarSimulatorFaultOptions): this;
  rateLimit(options: SimulatorRateLimitOptions & AgenticStarSimulatorFaultOptions): this;
  /** The next `count` responses to `target` (default `api`) wait `delayMs` (default 1000) before their headers. */
  delayHeaders(count?: number, options?: SimulatorDelayHeadersOptions & AgenticStarSimulatorFaultOptions): this;
  delayHeaders(options: SimulatorDelayHeadersOptions & AgenticStarSimulatorFaultOptions): this;
  /** New tokens for everyone: every token issued so far is refused with 401 from now on. Returns how many live tokens were revoked. */
  rotateTokens(): number;
  /** Same as {@link rotateTokens}: revokes every token issued so far. */
  revokeTokens(): number;
  /** Closes the server (open streams are cut). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The simulator's options with their defaults filled in. */
type ResolvedOptions = Required<Omit<AgenticStarSimulatorOptions, 'host' | 'answer' | 'script' | 'seedConversations'>> &
  Pick<AgenticStarSimulatorOptions, 'answer' | 'script'>;

const TARGETS: readonly AgenticStarSimulatorTarget[] = ['api', 'chat', 'conversations', 'token'];

type Endpoint = 'token-saas' | 'token-marketplace' | 'chat' | 'conversations';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const SAAS_TOKEN_PATH = '/federation/auth/v1/token';
const OPTION_KEYS = new Set([
  'clientId',
  'clientSecret',
  'tokenLifetimeSeconds',
  'marketplaceTokenLifetimeSeconds',
  'heartbeatIntervalMs',
  'eventDelayMs',
  'thinkMs',
  'answer',
  'script',
  'finishReason',
  'basePath',
  'conversationsField',
  'seedConversations',
  'host',
]);

function json(status: number, body: unknown, headers: Record<string, string> = {}): ScriptedReply {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}): ScriptedReply {
  return json(status, { error: { code, message } }, headers);
}

function isTerminal(step: AgenticStarSimulatorStep): boolean {
  return 'done' in step || 'end' in step || 'destroy' in step || 'stall' in step;
}

function assertCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `testkit: agenticstar simulator ${name} must be a non-negative integer (got ${String(value)})`,
    );
  }
  return value;
}

function validateOptions(options: AgenticStarSimulatorOptions, where: string): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`testkit: ${where} options must be an object`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`testkit: ${where}: unknown option "${key}"`);
  }
  for (const key of [
    'tokenLifetimeSeconds',
    'marketplaceTokenLifetimeSeconds',
    'heartbeatIntervalMs',
    'eventDelayMs',
    'thinkMs',
  ] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new RangeError(`testkit: ${where}: ${key} must be a non-negative number (got ${String(v)})`);
    }
  }
  if (options.basePath !== undefined && options.basePath !== '' && !/^\/[^?#]*[^/?#]$/.test(options.basePath)) {
    throw new TypeError(
      `testkit: ${where}: basePath must start with "/" and not end with "/" (got ${JSON.stringify(options.basePath)})`,
    );
  }
}

/** Checks and defaults the `target` of a `fail`, `rateLimit` or `delayHeaders`. */
function checkTarget(options: Record<string, unknown>, knob: string): void {
  const target = options.target ?? 'api';
  if (!TARGETS.includes(target as AgenticStarSimulatorTarget)) {
    throw new TypeError(
      `testkit: agenticstar simulator ${knob}(): options.target must be one of ${TARGETS.join(', ')} (got ${JSON.stringify(target)})`,
    );
  }
  options.target = target;
}

class LoopbackAgenticStarSimulator extends FaultKnobSimulator implements AgenticStarSimulator {
  readonly #server: ScriptedServer;
  readonly #tokens = new AgenticStarTokenStore();
  readonly #store = new AgenticStarConversationStore();
  readonly #clock = new SimulatorClock();
  #options: ResolvedOptions;
  /** The options as started, which `configure({ key: undefined })` restores. */
  readonly #started: ResolvedOptions;
  #chatCount = 0;
  #conversationSerial = 0;
  #messageSerial = 0;
  #callSerial = 0;

  constructor(server: ScriptedServer, options: AgenticStarSimulatorOptions) {
    super(new SimulatorFaults('agenticstar simulator', true), { names: ['target'], refine: checkTarget });
    this.#server = server;
    this.#options = {
      clientId: options.clientId ?? 'sim-client-id',
      clientSecret: options.clientSecret ?? 'sim-client-secret',
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      marketplaceTokenLifetimeSeconds: options.marketplaceTokenLifetimeSeconds ?? 1800,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
      eventDelayMs: options.eventDelayMs ?? 0,
      thinkMs: options.thinkMs ?? 0,
      answer: options.answer,
      script: options.script,
      finishReason: options.finishReason ?? 'stop',
      basePath: options.basePath ?? '',
      conversationsField: options.conversationsField ?? 'conversations',
    };
    this.#started = { ...this.#options };
    const seeds = assertCount('seedConversations', options.seedConversations ?? 0);
    for (let i = 1; i <= seeds; i++) {
      this.#store.create(`conv-seed-${String(i).padStart(4, '0')}`, `会話 ${i}`, this.#clock.next());
    }
    server.handle((request) => this.#route(request));
  }

  get origin(): string {
    return this.#server.url;
  }
  get url(): string {
    return `${this.#server.url}${this.#options.basePath}`;
  }
  get tokenUrl(): string {
    return `${this.#server.url}${SAAS_TOKEN_PATH}`;
  }
  get marketplaceTokenUrl(): string {
    return `${this.url}/v1/auth/external-service-token`;
  }
  get clientId(): string {
    return this.#options.clientId;
  }
  get clientSecret(): string {
    return this.#options.clientSecret;
  }
  get requests(): RecordedRequest[] {
    return this.#server.requests;
  }
  get tokenRequests(): RecordedRequest[] {
    return this.requests.filter(
      (r) => this.#endpointOf(r) === 'token-saas' || this.#endpointOf(r) === 'token-marketplace',
    );
  }
  get chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => this.#endpointOf(r) === 'chat');
  }
  get conversationRequests(): RecordedRequest[] {
    return this.requests.filter((r) => this.#endpointOf(r) === 'conversations');
  }
  get issuedTokens(): AgenticStarIssuedToken[] {
    return this.#tokens.issued;
  }
  get conversations(): AgenticStarSimulatorConversation[] {
    return this.#store.all.map((c) => ({ ...c }));
  }

  get acceptedConnections(): number {
    return this.#server.acceptedConnections;
  }

  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]> {
    return this.#server.waitForRequests(count, timeoutMs);
  }

  configure(options: Omit<AgenticStarSimulatorOptions, 'host' | 'seedConversations'>): this {
    validateOptions(options, 'configure');
    if ('host' in options || 'seedConversations' in options)
      throw new TypeError('testkit: configure: host and seedConversations are fixed at start');
    for (const [key, value] of Object.entries(options)) {
      (this.#options as Record<string, unknown>)[key] =
        value === undefined ? (this.#started as Record<string, unknown>)[key] : value;
    }
    return this;
  }

  rotateTokens(): number {
    return this.#tokens.revokeAll();
  }

  revokeTokens(): number {
    return this.#tokens.revokeAll();
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #endpointOf(request: RecordedRequest): Endpoint | undefined {
    const base = this.#options.basePath;
    if (request.path === SAAS_TOKEN_PATH) return 'token-saas';
    if (!request.path.startsWith(`${base}/`)) return undefined;
    const rest = request.path.slice(base.length);
    if (rest === '/v1/auth/external-service-token') return 'token-marketplace';
    if (rest === '/v1/chat/completions') return 'chat';
    if (rest === '/v1/conversations') return 'conversations';
    return undefined;
  }

  #route(request: RecordedRequest): ScriptedReply {
    const endpoint = this.#endpointOf(request);
    if (endpoint === undefined) return apiError(404, 'not_found', `No route for ${request.method} ${request.path}`);
    const expected = endpoint === 'conversations' ? 'GET' : 'POST';
    if (request.method !== expected)
      return apiError(405, 'method_not_allowed', `${request.path} accepts ${expected} only`, { allow: expected });
    const hits = (options: Record<string, unknown>) =>
      options.target === (endpoint.startsWith('token') ? 'token' : endpoint) ||
      (options.target === 'api' && (endpoint === 'chat' || endpoint === 'conversations'));
    const delayMs = this.armed.takeHeadersDelay(hits);
    const reply = this.#answer(request, endpoint, hits);
    return delayMs === undefined ? reply : { ...reply, headersDelayMs: delayMs };
  }

  #answer(
    request: RecordedRequest,
    endpoint: Endpoint,
    hits: (options: Record<string, unknown>) => boolean,
  ): ScriptedReply {
    const fault = this.armed.takeGate(hits);
    if (fault?.kind === 'rateLimit') {
      return apiError(429, 'rate_limited', 'Too many requests', { 'retry-after': String(fault.retryAfterSeconds) });
    }
    if (fault?.kind === 'fail') return apiError(fault.status, 'unavailable', 'The service is temporarily unavailable');
    switch (endpoint) {
      case 'token-saas':
        return this.#saasToken(request);
      case 'token-marketplace':
        return this.#marketplaceToken(request);
      case 'chat':
        return this.#chat(request);
      case 'conversations':
        return this.#listConversations(request);
    }
  }

  #saasToken(request: RecordedRequest): ScriptedReply {
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return json(400, {
        error: 'invalid_request',
        error_description: 'Content-Type must be application/x-www-form-urlencoded',
      });
    }
    const form = request.form();
    if (form.get('grant_type') !== 'client_credentials') {
      return json(400, { error: 'unsupported_grant_type', error_description: 'Only client_credentials is simulated' });
    }
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (basic?.[1]) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent((id ?? '').replace(/\+/g, ' '));
      clientSecret = decodeURIComponent((secret ?? '').replace(/\+/g, ' '));
    }
    if (clientId !== this.#options.clientId || clientSecret !== this.#options.clientSecret) {
      return json(401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    }
    const issued = this.#tokens.issue('saas', this.#options.tokenLifetimeSeconds, clientId);
    return json(200, {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: this.#options.tokenLifetimeSeconds,
    });
  }

  #marketplaceToken(request: RecordedRequest): ScriptedReply {
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return json(400, { success: false, error: 'invalid_request', message: 'Content-Type must be application/json' });
    }
    let body: Record<string, unknown>;
    try {
      body = request.json<Record<string, unknown>>();
    } catch {
      return json(400, { success: false, error: 'invalid_request', message: 'Body must be a JSON object' });
    }
    if (body?.client_id !== this.#options.clientId || body?.client_secret !== this.#options.clientSecret) {
      return json(401, { success: false, error: 'invalid_client', message: 'Invalid client credentials' });
    }
    const lifetime = this.#options.marketplaceTokenLifetimeSeconds;
    const issued = this.#tokens.issue('marketplace', lifetime, this.#options.clientId);
    return json(200, {
      success: true,
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: lifetime,
      scope: 'openid',
    });
  }

  #authorize(request: RecordedRequest): AgenticStarIssuedToken | ScriptedReply {
    const issued = this.#tokens.check(bearerToken(request.headers.authorization));
    if (issued) return issued;
    return apiError(401, 'unauthorized', 'The access token is missing, invalid, expired or revoked', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }

  #listConversations(request: RecordedRequest): ScriptedReply {
    const auth = this.#authorize(request);
    if (!('token' in auth)) return auth;
    try {
      const page = this.#store.page(request.query);
      return json(200, { [this.#options.conversationsField]: page.items, hasMore: page.hasMore, cursor: page.cursor });
    } catch (error) {
      return apiError(400, 'invalid_request', error instanceof Error ? error.message : String(error));
    }
  }

  #chat(request: RecordedRequest): ScriptedReply {
    const auth = this.#authorize(request);
    if (!('token' in auth)) return auth;
    let body: Record<string, unknown>;
    try {
      body = request.json<Record<string, unknown>>();
    } catch {
      return apiError(400, 'invalid_request', 'Body must be JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return apiError(400, 'invalid_request', 'Body must be a JSON object');
    const messages = body.messages;
    const last = Array.isArray(messages)
      ? (messages[messages.length - 1] as Record<string, unknown> | undefined)
      : undefined;
    if (!last || last.content === undefined || last.content === '') {
      return apiError(400, 'invalid_request', 'messages must hold at least one message with content');
    }
    if (auth.edition === 'marketplace' && !body.agentId && !request.query.get('agentId')) {
      return apiError(400, 'invalid_request', 'agentId is required on Marketplace');
    }
    const message = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
    const index = this.#chatCount++;
    const requested =
      typeof body.conversationId === 'string' && body.conversationId !== '' ? body.conversationId : undefined;
    const known = requested !== undefined && this.#store.get(requested) !== undefined;
    const conversationId = requested ?? `conv-${String(++this.#conversationSerial).padStart(6, '0')}`;
    if (!known) this.#store.create(conversationId, Array.from(message).slice(0, 30).join(''), this.#clock.next());
    const messageId = `msg-${String(++this.#messageSerial).padStart(6, '0')}`;
    const turn: AgenticStarSimulatorTurn = { message, conversationId, messageId, continued: known, body, index };
    this.#store.touch(conversationId, this.#clock.next());

    const cut = this.armed.takeCut();
    if (cut?.beforeHeaders) return beforeHeadersReply(cut);
    const malformed = this.armed.takeMalformed();
    // Only a malformedJson stream builds the bad event, so the simulator's clock ticks as before otherwise.
    const malformedEvent = malformed
      ? sseData(truncatedJson(chatChunk(this.#clock.next(), { delta: { content: '途中で切れたJSON' } })))
      : '';
    return {
      status: 200,
      headers: SSE_HEADERS,
      body: layoutStream(this.#streamItems(turn), {
        cut,
        malformed,
        malformedEvent,
        split: this.armed.split,
      }),
    };
  }

  #scriptFor(turn: AgenticStarSimulatorTurn): AgenticStarSimulatorStep[] {
    const { script, answer, thinkMs } = this.#options;
    if (script !== undefined) return typeof script === 'function' ? script(turn) : script;
    const text =
      answer === undefined ? defaultAnswerText(turn.message) : typeof answer === 'function' ? answer(turn) : answer;
    return defaultScript(text, () => simulatorUuid(++this.#callSerial), thinkMs);
  }

  /** The stream of one turn, before faults: writes (data events and comments), pauses and the end. */
  #streamItems(turn: AgenticStarSimulatorTurn): SimulatorStreamItem[] {
    const items: SimulatorStreamItem[] = [];
    const heartbeat = this.#options.heartbeatIntervalMs;
    const eventDelay = this.#options.eventDelayMs;
    const idle = (ms: number) => {
      let remaining = ms;
      if (heartbeat > 0) {
        while (remaining >= heartbeat) {
          items.push({ wait: heartbeat });
          items.push({ write: sseComment('heartbeat'), event: false });
          remaining -= heartbeat;
        }
      }
      if (remaining > 0) items.push({ wait: remaining });
    };
    let events = 0;
    const data = (payload: string, carriesText = false) => {
      if (events > 0 && eventDelay > 0) idle(eventDelay);
      items.push({ write: sseData(payload), event: true, carriesText });
      events++;
    };

    items.push({ write: sseComment('connected'), event: false });
    data(
      JSON.stringify(
        chatChunk(this.#clock.next(), {
          delta: { role: 'assistant', messageInfo: { conversationId: turn.conversationId, messageId: turn.messageId } },
        }),
      ),
    );

    const steps = [...this.#scriptFor(turn)];
    if (!steps.some((s) => 'finish' in s || isTerminal(s))) steps.push({ finish: this.#options.finishReason });
    if (!steps.some(isTerminal)) steps.push({ done: true });

    const fillTask = (task: AgenticStarSimulatorTask) => ({
      messageId: turn.messageId,
      conversationId: turn.conversationId,
      actionType: 'execute',
      callId: task.callId ?? simulatorUuid(++this.#callSerial),
      title: 'タスク',
      status: 'running',
      timestamp: this.#clock.next(),
      ...task,
    });

    for (const step of steps) {
      if ('wait' in step) {
        idle(step.wait);
      } else if ('chunk' in step) {
        data(JSON.stringify(step.chunk));
      } else if ('data' in step) {
        data(step.data);
      } else if ('comment' in step) {
        items.push({ write: sseComment(step.comment), event: false });
      } else if ('finish' in step) {
        const key = step.snakeCase === true ? 'finish_reason' : 'finishReason';
        data(JSON.stringify(chatChunk(this.#clock.next(), { delta: {}, [key]: step.finish })));
      } else if ('done' in step) {
        data('[DONE]');
        break;
      } else if ('end' in step) {
        break;
      } else if ('destroy' in step) {
        items.push({ end: { destroy: true } });
        break;
      } else if ('stall' in step) {
        items.push({ end: { stall: true } });
        break;
      } else {
        const delta: Record<string, unknown> = { ...('delta' in step ? step.delta : {}) };
        if ('content' in step && step.content !== undefined) delta.content = step.content;
        const tasks =
          'tasks' in step && step.tasks ? step.tasks : 'task' in step && step.task ? [step.task] : undefined;
        if (tasks) delta.tasks = tasks.map(fillTask);
        data(
          JSON.stringify(chatChunk(this.#clock.next(), { delta })),
          typeof delta.content === 'string' && delta.content !== '',
        );
      }
    }
    return items;
  }
}

/**
 * Starts an AgenticStar simulator on loopback: both token endpoints (SaaS form, Marketplace JSON),
 * the streaming chat endpoint and the cursor-paginated conversations list, in the documented wire
 * format, with deterministic Japanese answers and per-test fault knobs.
 */
export async function startAgenticStarSimulator(
  options: AgenticStarSimulatorOptions = {},
): Promise<AgenticStarSimulator> {
  validateOptions(options, 'startAgenticStarSimulator');
  const server = await startScriptedServer(options.host === undefined ? {} : { host: options.host });
  return new LoopbackAgenticStarSimulator(server, options);
}
