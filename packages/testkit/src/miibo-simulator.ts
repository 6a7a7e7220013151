import type { ClientRequest } from 'node:http';
import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';
import { startScriptedServer, type ScriptedServer } from './scripted-server';
import { agentGroupResultPayload, agentGroupStartProblem, deliverWebhook } from './miibo-simulator-agent-groups';
import { miiboConversationReply, miiboErrorReply, type MiiboUserStates } from './miibo-simulator-conversation';
import type { MiiboSimulatorKnobs, MiiboSimulatorOptions, MiiboWebhookDelivery } from './miibo-simulator-options';

/** A running miibo simulator. */
export interface MiiboSimulator {
  /** Base URL to give the SDK (`baseURL`): conversation at `/api`, groups at `/agent-groups/start`. */
  readonly url: string;
  /** Every request received (conversation and agent group calls, faults included), in order. */
  readonly requests: RecordedRequest[];
  /** The knobs in force (counters show what is left). */
  readonly knobs: Readonly<MiiboSimulatorKnobs>;
  /** Every agent group result delivered (or attempted) so far, in order. */
  readonly webhookDeliveries: MiiboWebhookDelivery[];
  /** Changes knobs for the following requests; a key set to `undefined` switches that knob off. Returns this. */
  set(knobs: MiiboSimulatorKnobs): this;
  /** Switches every knob back to the values given at start. Returns this. */
  resetKnobs(): this;
  /** Same as `set({ split: bytes })`: streamed writes in pieces of `bytes` bytes; `undefined` turns it off. */
  split(bytes: number | undefined): this;
  /** Same as `set({ stall: afterObjects ?? true })`: later streams stop writing after that many objects (default half). */
  stall(afterObjects?: number): this;
  /** Same as `set({ reset: afterObjects ?? true })`: later streams lose their connection after that many objects (default half). */
  reset(afterObjects?: number): this;
  /** The next `count` requests (default 1) get 429 with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimit(count?: number, retryAfterSeconds?: number): this;
  /** The next `count` requests (default 1) get HTTP `status` (default 500). */
  fail(count?: number, status?: number): this;
  /** Clears split, stall, reset, rate limits and failures. */
  clearFaults(): this;
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
  'split',
  'stall',
  'reset',
  'rateLimit',
  'fail',
  'streaming',
  'dataPrefix',
  'objectsPerWrite',
  'rewrite',
  'endWithoutFinal',
  'isError',
  'writeDelayMs',
  'webhookDelayMs',
  'groupOutcome',
];
const OPTION_KEYS = [
  ...KNOB_KEYS,
  'host',
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

function checkKnobs(knobs: object, allowed: readonly string[], where: string): void {
  if (typeof knobs !== 'object' || knobs === null) throw new TypeError(`testkit: ${where} must be an object`);
  for (const key of Object.keys(knobs)) {
    if (!allowed.includes(key))
      throw new TypeError(`testkit: ${where} has unknown field "${key}" (allowed: ${allowed.join(', ')})`);
  }
  const k = knobs as MiiboSimulatorKnobs;
  if (k.split !== undefined && !(Number.isInteger(k.split) && k.split >= 1))
    throw new TypeError(`testkit: ${where}.split must be a positive integer`);
  if (k.objectsPerWrite !== undefined && !(Number.isInteger(k.objectsPerWrite) && k.objectsPerWrite >= 1)) {
    throw new TypeError(`testkit: ${where}.objectsPerWrite must be a positive integer`);
  }
}

class Counter {
  remaining = 0;
  value = 0;
  set(knob: number | { count: number; [k: string]: unknown } | undefined, valueKey: string, fallback: number): void {
    if (knob === undefined) {
      this.remaining = 0;
      return;
    }
    if (typeof knob === 'number') {
      this.remaining = knob;
      this.value = fallback;
    } else {
      this.remaining = knob.count;
      const v = knob[valueKey];
      this.value = typeof v === 'number' ? v : fallback;
    }
  }
  take(): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    return true;
  }
}

class LoopbackMiiboSimulator implements MiiboSimulator {
  readonly webhookDeliveries: MiiboWebhookDelivery[] = [];
  #server!: ScriptedServer;
  readonly #options: MiiboSimulatorOptions;
  #knobs: MiiboSimulatorKnobs;
  readonly #states: MiiboUserStates = new Map();
  readonly #rateLimit = new Counter();
  readonly #fail = new Counter();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #inFlight = new Set<ClientRequest>();
  readonly #waiters = new Set<{ count: number; resolve: (d: MiiboWebhookDelivery[]) => void }>();
  #groups = 0;
  #closed = false;

  constructor(options: MiiboSimulatorOptions) {
    this.#options = options;
    this.#knobs = this.#initialKnobs();
    this.#applyCounters(this.#knobs);
  }

  #initialKnobs(): MiiboSimulatorKnobs {
    const knobs: MiiboSimulatorKnobs = {};
    for (const key of KNOB_KEYS)
      if (this.#options[key] !== undefined) (knobs as Record<string, unknown>)[key] = this.#options[key];
    return knobs;
  }

  #applyCounters(knobs: MiiboSimulatorKnobs): void {
    if ('rateLimit' in knobs) this.#rateLimit.set(knobs.rateLimit, 'retryAfterSeconds', 1);
    if ('fail' in knobs) this.#fail.set(knobs.fail, 'status', 500);
  }

  async start(): Promise<this> {
    this.#server = await startScriptedServer({ host: this.#options.host, handler: (request) => this.#handle(request) });
    return this;
  }

  get url(): string {
    return this.#server.url;
  }

  get requests(): RecordedRequest[] {
    return this.#server.requests;
  }

  get knobs(): Readonly<MiiboSimulatorKnobs> {
    const view: MiiboSimulatorKnobs = { ...this.#knobs };
    if (this.#rateLimit.remaining > 0)
      view.rateLimit = { count: this.#rateLimit.remaining, retryAfterSeconds: this.#rateLimit.value };
    else delete view.rateLimit;
    if (this.#fail.remaining > 0) view.fail = { count: this.#fail.remaining, status: this.#fail.value };
    else delete view.fail;
    return view;
  }

  set(knobs: MiiboSimulatorKnobs): this {
    checkKnobs(knobs, KNOB_KEYS as string[], 'set(knobs)');
    this.#knobs = { ...this.#knobs, ...knobs };
    for (const [key, value] of Object.entries(knobs))
      if (value === undefined) delete (this.#knobs as Record<string, unknown>)[key];
    this.#applyCounters(knobs);
    return this;
  }

  resetKnobs(): this {
    this.#knobs = this.#initialKnobs();
    this.#rateLimit.set(undefined, '', 0);
    this.#fail.set(undefined, '', 0);
    this.#applyCounters(this.#knobs);
    return this;
  }

  split(bytes: number | undefined): this {
    return this.set({ split: bytes });
  }

  stall(afterObjects?: number): this {
    return this.set({ stall: afterObjects ?? true });
  }

  reset(afterObjects?: number): this {
    return this.set({ reset: afterObjects ?? true });
  }

  rateLimit(count = 1, retryAfterSeconds = 1): this {
    return this.set({ rateLimit: { count, retryAfterSeconds } });
  }

  fail(count = 1, status = 500): this {
    return this.set({ fail: { count, status } });
  }

  clearFaults(): this {
    return this.set({ split: undefined, stall: undefined, reset: undefined, rateLimit: undefined, fail: undefined });
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
    const isConversation = request.path === '/api' || request.path === '/api/';
    const isGroupStart = request.path === '/agent-groups/start';
    if (!isConversation && !isGroupStart) return miiboErrorReply(404, 'Not Found');
    if (request.method !== 'POST') return miiboErrorReply(405, 'Method Not Allowed', { allow: 'POST' });
    if (this.#rateLimit.take())
      return miiboErrorReply(429, 'Too Many Requests', { 'retry-after': String(this.#rateLimit.value) });
    if (this.#fail.take()) return miiboErrorReply(this.#fail.value, 'Internal Server Error (simulated)');
    if (isConversation) return miiboConversationReply(request, this.#options, this.#knobs, this.#states);
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
    const knobs = { ...this.#knobs };
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
  checkKnobs(options, OPTION_KEYS, 'startMiiboSimulator options');
  return new LoopbackMiiboSimulator(options).start();
}
