import type { ClientRequest } from 'node:http';
import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';
import { startScriptedServer, type ScriptedServer } from './scripted-server';
import { agentGroupResultPayload, agentGroupStartProblem, deliverWebhook } from './miibo-simulator-agent-groups';
import { miiboConversationReply, miiboErrorReply, type MiiboUserStates } from './miibo-simulator-conversation';
import {
  MIIBO_SIM_ADMIN_API_KEY,
  MIIBO_SIM_AGENT_ID,
  MIIBO_SIM_API_KEY,
  type MiiboSimulatorKnobs,
  type MiiboSimulatorOptions,
  type MiiboWebhookDelivery,
} from './miibo-simulator-options';
import {
  FaultKnobSimulator,
  SimulatorFaults,
  type SimulatorFaultKnobs,
  type SimulatorFaultState,
} from './simulator-faults';

/**
 * A running miibo simulator. The fault knobs are the testkit's shared ones ({@link SimulatorFaultKnobs}):
 * `fail`, `rateLimit` and `delayHeaders` hit every request (conversation and agent group start);
 * `stall`, `cut` and `malformedJson` hit streamed conversation answers.
 */
export interface MiiboSimulator extends SimulatorFaultKnobs<MiiboSimulator> {
  /** Base URL to give the SDK (`baseURL`): conversation at `/api`, groups at `/agent-groups/start`. */
  readonly url: string;
  /** Every request received (conversation and agent group calls, faults included), in order. */
  readonly requests: RecordedRequest[];
  /** The `api_key` to send: the `apiKey` option, else {@link MIIBO_SIM_API_KEY} (any non-empty key is accepted then). */
  readonly apiKey: string;
  /** The `agent_id` to send: the `agentId` option, else {@link MIIBO_SIM_AGENT_ID}. */
  readonly agentId: string;
  /** The agent group admin key to send: the `adminApiKey` option, else {@link MIIBO_SIM_ADMIN_API_KEY}. */
  readonly adminApiKey: string;
  /** The behaviour knobs in force. */
  readonly knobs: Readonly<MiiboSimulatorKnobs>;
  /** The faults armed now (`split` and each armed knob with what is left of its count). */
  readonly faults: SimulatorFaultState;
  /** Every agent group result delivered (or attempted) so far, in order. */
  readonly webhookDeliveries: MiiboWebhookDelivery[];
  /** Changes options for the following requests; a key given as `undefined` goes back to its value at start. Returns this. */
  configure(options: Omit<MiiboSimulatorOptions, 'host'>): this;
  /** @deprecated Use {@link MiiboSimulator.configure}. */
  set(knobs: Omit<MiiboSimulatorOptions, 'host'>): this;
  /** Puts every option back to its value at start and clears every fault. Returns this. */
  resetKnobs(): this;
  /** The user state miibo keeps for an agent and uid (merged from the `state` of each call). */
  userState(agentId: string, uid: string): Record<string, string> | undefined;
  /** Resolves once at least `count` requests have arrived (rejects after `timeoutMs`, default 5000). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Resolves once at least `count` webhook deliveries have finished (rejects after `timeoutMs`, default 5000). */
  waitForWebhookDeliveries(count: number, timeoutMs?: number): Promise<MiiboWebhookDelivery[]>;
  /** Stops the server, cancels pending webhook deliveries. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const KNOB_KEYS: ReadonlyArray<keyof MiiboSimulatorKnobs> = [
  'streaming',
  'dataPrefix',
  'objectsPerWrite',
  'rewrite',
  'endWithoutFinal',
  'isError',
  'eventDelayMs',
  'writeDelayMs',
  'webhookDelayMs',
  'groupOutcome',
];
const CONFIGURABLE_KEYS: readonly string[] = [
  ...KNOB_KEYS,
  'apiKey',
  'agentId',
  'adminApiKey',
  'answer',
  'greeting',
  'snapshots',
  'snapshotChars',
  'webhookSigningSecret',
  'groupAnswer',
];
const OPTION_KEYS = [...CONFIGURABLE_KEYS, 'host'];

function checkOptions(options: object, allowed: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`testkit: ${where} must be an object`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      throw new TypeError(`testkit: ${where} has unknown field "${key}" (allowed: ${allowed.join(', ')})`);
  }
  const o = options as MiiboSimulatorOptions;
  if (o.objectsPerWrite !== undefined && !(Number.isInteger(o.objectsPerWrite) && o.objectsPerWrite >= 1)) {
    throw new TypeError(`testkit: ${where}.objectsPerWrite must be a positive integer`);
  }
  for (const key of ['eventDelayMs', 'writeDelayMs', 'webhookDelayMs', 'snapshotChars'] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0))
      throw new TypeError(`testkit: ${where}.${key} must be a non-negative number`);
  }
}

class LoopbackMiiboSimulator extends FaultKnobSimulator implements MiiboSimulator {
  readonly webhookDeliveries: MiiboWebhookDelivery[] = [];
  #server!: ScriptedServer;
  /** The options as started, which `configure({ key: undefined })` and `resetKnobs()` restore. */
  readonly #started: MiiboSimulatorOptions;
  #options: MiiboSimulatorOptions;
  readonly #states: MiiboUserStates = new Map();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #inFlight = new Set<ClientRequest>();
  readonly #waiters = new Set<{ count: number; resolve: (d: MiiboWebhookDelivery[]) => void }>();
  #groups = 0;
  #closed = false;

  constructor(options: MiiboSimulatorOptions) {
    super(new SimulatorFaults('miibo simulator', true));
    this.#started = { ...options };
    this.#options = { ...options };
  }

  async start(): Promise<this> {
    this.#server = await startScriptedServer({
      host: this.#options.host,
      cors: true,
      handler: (request) => this.#handle(request),
    });
    return this;
  }

  get url(): string {
    return this.#server.url;
  }

  get requests(): RecordedRequest[] {
    return this.#server.requests;
  }

  get apiKey(): string {
    return this.#options.apiKey ?? MIIBO_SIM_API_KEY;
  }

  get agentId(): string {
    return this.#options.agentId ?? MIIBO_SIM_AGENT_ID;
  }

  get adminApiKey(): string {
    return this.#options.adminApiKey ?? MIIBO_SIM_ADMIN_API_KEY;
  }

  get knobs(): Readonly<MiiboSimulatorKnobs> {
    const view: Record<string, unknown> = {};
    for (const key of KNOB_KEYS) if (this.#options[key] !== undefined) view[key] = this.#options[key];
    return view as MiiboSimulatorKnobs;
  }

  configure(options: Omit<MiiboSimulatorOptions, 'host'>): this {
    checkOptions(options, CONFIGURABLE_KEYS, 'configure(options)');
    const next: Record<string, unknown> = { ...this.#options };
    for (const [key, value] of Object.entries(options)) {
      next[key] = value === undefined ? (this.#started as Record<string, unknown>)[key] : value;
    }
    this.#options = next as MiiboSimulatorOptions;
    return this;
  }

  set(knobs: Omit<MiiboSimulatorOptions, 'host'>): this {
    return this.configure(knobs);
  }

  resetKnobs(): this {
    this.#options = { ...this.#started };
    this.armed.clear();
    return this;
  }

  userState(agentId: string, uid: string): Record<string, string> | undefined {
    const state = this.#states.get(`${agentId}\u0000${uid}`);
    return state ? { ...state } : undefined;
  }

  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]> {
    return this.#server.waitForRequests(count, timeoutMs);
  }

  waitForWebhookDeliveries(count: number, timeoutMs = 5000): Promise<MiiboWebhookDelivery[]> {
    if (this.webhookDeliveries.length >= count) return Promise.resolve([...this.webhookDeliveries]);
    return new Promise((resolve, reject) => {
      const waiter = {
        count,
        resolve: (d: MiiboWebhookDelivery[]) => {
          clearTimeout(timer);
          resolve(d);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `testkit: waited ${timeoutMs} ms for ${count} webhook delivery(ies) but ${this.webhookDeliveries.length} finished`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const req of this.#inFlight) req.destroy();
    await this.#server.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #handle(request: RecordedRequest): ScriptedReply {
    const delayMs = this.armed.takeHeadersDelay();
    const reply = this.#route(request);
    return delayMs === undefined ? reply : { ...reply, headersDelayMs: delayMs };
  }

  #route(request: RecordedRequest): ScriptedReply {
    const isConversation = request.path === '/api' || request.path === '/api/';
    const isGroupStart = request.path === '/agent-groups/start';
    if (!isConversation && !isGroupStart) return miiboErrorReply(404, 'Not Found');
    if (request.method !== 'POST') return miiboErrorReply(405, 'Method Not Allowed', { allow: 'POST' });
    const gate = this.armed.takeGate();
    if (gate?.kind === 'rateLimit')
      return miiboErrorReply(429, 'Too Many Requests', { 'retry-after': String(gate.retryAfterSeconds) });
    if (gate?.kind === 'fail') return miiboErrorReply(gate.status, 'Server Error (simulated)');
    if (isConversation) return miiboConversationReply(request, this.#options, this.#states, this.armed);
    return this.#startGroup(request);
  }

  #startGroup(request: RecordedRequest): ScriptedReply {
    const key = request.headers['x-api-key'];
    if (key === undefined || key === '') return miiboErrorReply(401, 'Unauthorized: X-API-Key is required');
    // Echoes the rejected key on purpose (see the conversation endpoint): clients must redact it.
    if (this.#options.adminApiKey !== undefined && key !== this.#options.adminApiKey)
      return miiboErrorReply(401, `Unauthorized: invalid X-API-Key ${key}`);
    let body: unknown;
    try {
      body = request.json();
    } catch {
      return miiboErrorReply(400, 'Bad Request: body is not JSON');
    }
    const problem = agentGroupStartProblem(body);
    if (problem !== undefined) return miiboErrorReply(400, `Bad Request: ${problem}`);
    const start = body as Record<string, unknown>;
    const run = { groupId: `group-${++this.#groups}`, body: start };
    const knobs = { ...this.#options };
    const payload = agentGroupResultPayload(run, this.#options, knobs);
    const url = start.resultWebhookUrl;
    if (typeof url === 'string') {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (this.#closed) return;
        void deliverWebhook(
          url,
          payload,
          (start.webhookHeaders as Record<string, string> | undefined) ?? {},
          this.#options.webhookSigningSecret,
          this.#inFlight,
        ).then((delivery) => {
          if (this.#closed) return;
          this.webhookDeliveries.push(delivery);
          for (const waiter of this.#waiters) {
            if (this.webhookDeliveries.length >= waiter.count) {
              this.#waiters.delete(waiter);
              waiter.resolve([...this.webhookDeliveries]);
            }
          }
        });
      }, knobs.webhookDelayMs ?? 10);
      this.#timers.add(timer);
    }
    // isSyncMode answers with the result itself (the response body is not documented for it).
    const answer = start.isSyncMode === true ? payload : { status: 'started', groupId: run.groupId };
    return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(answer) };
  }
}

/**
 * Starts a miibo simulator on loopback: the conversation API (`POST /api`, api_key in the body,
 * cumulative newline-separated JSON snapshots when streaming) and the agent group API
 * (`POST /agent-groups/start` with `X-API-Key`, validated like miibo; the result is POSTed later to
 * the given loopback `resultWebhookUrl`). Deterministic Japanese answers by default.
 */
export async function startMiiboSimulator(options: MiiboSimulatorOptions = {}): Promise<MiiboSimulator> {
  checkOptions(options, OPTION_KEYS, 'startMiiboSimulator options');
  return new LoopbackMiiboSimulator(options).start();
}
