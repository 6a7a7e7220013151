import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';
import { startScriptedServer, type ScriptedServer } from './scripted-server';
import {
  CODEER_SIM_CODE_MESSAGES,
  streamSteps,
  type CodeerSimulatorErrorCodeOptions,
  type CodeerSimulatorInStreamErrorOptions,
  type CodeerSimulatorPlatformErrorOptions,
} from './codeer-simulator-faults';
import {
  FaultKnobSimulator,
  SimulatorFaults,
  beforeHeadersReply,
  type SimulatorFaultKnobs,
  type SimulatorFaultState,
} from './simulator-faults';
import { multipartBoundary, parseMultipart, type MultipartPart } from './codeer-simulator-multipart';
import {
  CodeerSimulatorState,
  agentJson,
  batchJson,
  chatJson,
  messageJson,
  type CodeerSimulatorAgent,
  type CodeerSimulatorBatch,
  type CodeerSimulatorBatchRequest,
  type CodeerSimulatorChat,
  type CodeerSimulatorFile,
} from './codeer-simulator-state';
import {
  CODEER_SIM_DEFAULT_ANSWER,
  defaultCodeerSteps,
  defaultCodeerTitle,
  envelope,
  planCodeerStream,
  simUsage,
  splitText,
  stripToolTags,
  type CodeerSimulatorStep,
  type CodeerSimulatorTurn,
  type CodeerSimulatorVariant,
} from './codeer-simulator-wire';

/** The API key the simulator accepts unless `apiKey` is given. */
export const CODEER_SIM_API_KEY = 'sim-codeer-api-key-0001';
/** The default (published) agent. */
export const CODEER_SIM_AGENT_ID = '550e8400-e29b-41d4-a716-446655440000';
/** An agent that exists but has no published version: chats can be created, messages fail with 404 "Agent version not found". */
export const CODEER_SIM_UNPUBLISHED_AGENT_ID = '550e8400-e29b-41d4-a716-446655440001';
/** The path prefix of the API on the simulator (as on the real host). */
export const CODEER_SIM_BASE_PATH = '/api/v1';

/** Options of {@link startCodeerSimulator}. All but `host` can be changed later with `configure`. */
export interface CodeerSimulatorOptions {
  /** The only `x-api-key` accepted (anything else gets 401, error_code 10001). Default {@link CODEER_SIM_API_KEY}. */
  apiKey?: string;
  /** The workspace's agents. Default: one published agent ({@link CODEER_SIM_AGENT_ID}) and one unpublished one. */
  agents?: CodeerSimulatorAgent[];
  /** The answer: fixed text, explicit deltas, or a function of the turn. Default {@link CODEER_SIM_DEFAULT_ANSWER}. */
  answer?: string | string[] | ((turn: CodeerSimulatorTurn) => string | string[]);
  /** Characters per text delta when the answer is one string. Default 6. */
  deltaSize?: number;
  /** Reasoning steps before the answer. Default: one knowledge-base search. */
  steps?: CodeerSimulatorStep[] | ((turn: CodeerSimulatorTurn) => CodeerSimulatorStep[]);
  /** Title generated after a chat's first message (`null`: none). Default: `<first 20 characters>についての質問`. */
  title?: string | null | ((message: string) => string | null);
  /** `model` of `response.created`. Default `gpt-4o`. */
  model?: string;
  /** Which spelling of the drifting fields to send (error event name, `final_text`/`full_text`, `step.type`/`step.tool_name`). */
  variant?: CodeerSimulatorVariant;
  /** Whitelist mode: only these `external_user_id`s may create chats and send messages (others get 403, 14103). */
  allowedExternalUserIds?: string[] | null;
  /** Pause before every stream event after the first, in ms. Default 0. */
  eventDelayMs?: number;
  /** Raw SSE text (unknown events, comments) written after `response.created` in every stream. Default none. */
  extraEvents?: string[];
  /** When batches complete: on the first read of the batch (default), at creation, or only through `completeBatch`. */
  batchCompletion?: 'on-read' | 'immediate' | 'manual';
  /** Loopback host to bind. Default `127.0.0.1`. */
  host?: string;
}

/**
 * A running Codeer simulator on loopback. The fault knobs are the testkit's shared ones
 * ({@link SimulatorFaultKnobs}): `fail`, `rateLimit`, `delayHeaders` and `platformError` hit every
 * request; `stall`, `cut`, `malformedJson` and `inStreamError` hit streamed answers.
 */
export interface CodeerSimulator extends SimulatorFaultKnobs<CodeerSimulator> {
  /** API base URL (`http://127.0.0.1:PORT/api/v1`), to pass as the SDK's `baseURL`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The `x-api-key` the simulator accepts. */
  readonly apiKey: string;
  /** The default published agent's id. */
  readonly agentId: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The in-memory workspace: agents, chats, messages, files, feedbacks, form submissions, batches. */
  readonly state: CodeerSimulatorState;
  /** Uploaded files, oldest first (with the `data` field and bytes the client sent). */
  readonly uploads: CodeerSimulatorFile[];
  /** The faults armed now (`split` and each armed knob with what is left of its count). */
  readonly faults: SimulatorFaultState;
  /** Changes options for the following requests. A key given as `undefined` goes back to its value at start. */
  configure(options: Omit<CodeerSimulatorOptions, 'host'>): this;
  /** The next `count` requests get HTTP 200 (or `status`) with `code` as the envelope's `error_code`. */
  platformError(count: number, options: CodeerSimulatorPlatformErrorOptions): this;
  platformError(options: CodeerSimulatorPlatformErrorOptions): this;
  /** @deprecated Use `platformError(count, { code, message, status })`. */
  errorCode(code: number, options?: CodeerSimulatorErrorCodeOptions): this;
  /** The next `count` streams end with an error event after `afterDeltas` deltas (then `data: [DONE]`). */
  inStreamError(count?: number, options?: CodeerSimulatorInStreamErrorOptions): this;
  inStreamError(options: CodeerSimulatorInStreamErrorOptions): this;
  /** Completes a batch now (for `batchCompletion: 'manual'`). */
  completeBatch(batchId: string): this;
  /** Closes the server (open streams are cut). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function ok(data: unknown, pagination?: unknown, status = 200): ScriptedReply {
  return { status, headers: JSON_HEADERS, body: envelope(data, { pagination }) };
}

function failure(status: number, code: number | null, message: string): ScriptedReply {
  return { status, headers: JSON_HEADERS, body: envelope(null, { message, errorCode: code }) };
}

const badRequest = (message: string) => failure(400, 10006, message);
const notFound = (message: string) => failure(404, 10003, message);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function defaultAgents(): CodeerSimulatorAgent[] {
  return [
    {
      id: CODEER_SIM_AGENT_ID,
      name: '架け橋サポート',
      description: '営業時間やサービスについて答えるエージェント',
      published: true,
    },
    { id: CODEER_SIM_UNPUBLISHED_AGENT_ID, name: '下書きエージェント', description: '未公開', published: false },
  ];
}

const ERROR_EVENTS = ['response.error', 'error', 'response.failed'];

class CodeerSimulatorServer extends FaultKnobSimulator implements CodeerSimulator {
  readonly state: CodeerSimulatorState;
  private options: CodeerSimulatorOptions;
  /** The options as started, which `configure({ key: undefined })` restores. */
  private readonly started: CodeerSimulatorOptions;
  private server!: ScriptedServer;

  constructor(options: CodeerSimulatorOptions) {
    super(new SimulatorFaults('codeer simulator', true));
    this.options = { ...options };
    this.started = { ...options };
    this.state = new CodeerSimulatorState(options.agents ?? defaultAgents());
  }

  async start(): Promise<this> {
    this.server = await startScriptedServer({
      host: this.options.host,
      cors: true,
      handler: (req) => this.handle(req),
    });
    return this;
  }

  get origin(): string {
    return this.server.url;
  }
  get url(): string {
    return `${this.server.url}${CODEER_SIM_BASE_PATH}`;
  }
  get apiKey(): string {
    return this.options.apiKey ?? CODEER_SIM_API_KEY;
  }
  get agentId(): string {
    return this.state.agents.find((a) => a.published !== false)?.id ?? CODEER_SIM_AGENT_ID;
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }
  get uploads(): CodeerSimulatorFile[] {
    return [...this.state.files.values()];
  }

  configure(options: Omit<CodeerSimulatorOptions, 'host'>): this {
    if ('host' in options) throw new TypeError('testkit: host cannot be changed after start');
    const next: Record<string, unknown> = { ...this.options };
    for (const [key, value] of Object.entries(options)) {
      next[key] = value === undefined ? (this.started as Record<string, unknown>)[key] : value;
    }
    this.options = next as CodeerSimulatorOptions;
    if ('agents' in options) {
      this.state.agents.splice(0, this.state.agents.length, ...(this.options.agents ?? defaultAgents()));
    }
    return this;
  }

  platformError(
    count: number | CodeerSimulatorPlatformErrorOptions,
    options?: CodeerSimulatorPlatformErrorOptions,
  ): this {
    const where = this.armed.where('platformError');
    const parsed = this.armed.args('platformError', count, options, ['code', 'message', 'status']);
    const { code, message, status = 200 } = parsed.options;
    if (typeof code !== 'number' || !Number.isInteger(code) || code === 0)
      throw new RangeError(`${where}: options.code must be a non-zero integer (got ${String(code)})`);
    if (message !== undefined && typeof message !== 'string')
      throw new TypeError(`${where}: options.message must be a string`);
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)
      throw new RangeError(`${where}: options.status must be an HTTP status from 200 to 599 (got ${String(status)})`);
    this.armed.arm('platformError', parsed.count, {
      code,
      message: message ?? CODEER_SIM_CODE_MESSAGES[code] ?? 'Error',
      status,
    });
    return this;
  }

  errorCode(code: number, options: CodeerSimulatorErrorCodeOptions = {}): this {
    const { count = 1, ...rest } = options;
    return this.platformError(count, { code, ...rest });
  }

  inStreamError(
    count?: number | CodeerSimulatorInStreamErrorOptions,
    options?: CodeerSimulatorInStreamErrorOptions,
  ): this {
    const where = this.armed.where('inStreamError');
    const parsed = this.armed.args('inStreamError', count, options, ['afterDeltas', 'code', 'message', 'event']);
    const { afterDeltas = 1, code = 10005, message = 'リクエストの処理に失敗しました', event } = parsed.options;
    if (typeof afterDeltas !== 'number' || !Number.isInteger(afterDeltas) || afterDeltas < 0)
      throw new RangeError(`${where}: options.afterDeltas must be a non-negative integer (got ${String(afterDeltas)})`);
    if (typeof code !== 'number' && typeof code !== 'string')
      throw new TypeError(`${where}: options.code must be a number or a string`);
    if (typeof message !== 'string') throw new TypeError(`${where}: options.message must be a string`);
    if (event !== undefined && !ERROR_EVENTS.includes(event as string))
      throw new TypeError(`${where}: options.event must be one of ${ERROR_EVENTS.join(', ')} (got ${String(event)})`);
    this.armed.arm('inStreamError', parsed.count, { afterDeltas, code, message, ...(event ? { event } : {}) });
    return this;
  }

  completeBatch(batchId: string): this {
    const batch = this.state.batches.get(batchId);
    if (!batch) throw new Error(`testkit: no batch ${batchId}`);
    this.runBatch(batch);
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- request handling -------------------------------------------------------------------------

  private handle(req: RecordedRequest): ScriptedReply {
    const delayMs = this.armed.takeHeadersDelay();
    const reply = this.route(req);
    return delayMs === undefined ? reply : { ...reply, headersDelayMs: delayMs };
  }

  private route(req: RecordedRequest): ScriptedReply {
    const fault = this.takeFault();
    if (fault) return fault;
    if (req.headers['x-api-key'] !== this.apiKey) return failure(401, 10001, 'Invalid or missing API key');
    if (!req.path.startsWith(`${CODEER_SIM_BASE_PATH}/`)) return notFound('Not found');
    const route = req.path.slice(CODEER_SIM_BASE_PATH.length).replace(/\/+$/, '');
    const seg = route.split('/').slice(1);
    const m = req.method;
    const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

    if (seg[0] === 'chats') {
      if (seg.length === 2 && seg[1] === 'published-agents' && m === 'GET') return this.listAgents();
      if (seg.length === 2 && seg[1] === 'upload-file' && m === 'POST') return this.uploadFile(req);
      if (seg.length === 1 && m === 'POST') return this.createChat(req);
      if (seg.length === 1 && m === 'GET') return this.listChats(req);
      const chatId = int(seg[1]);
      if (chatId !== undefined) {
        if (seg.length === 2 && m === 'PUT') return this.updateChat(req, chatId);
        if (seg.length === 3 && seg[2] === 'messages' && m === 'GET') return this.listMessages(req, chatId);
        if (seg.length === 3 && seg[2] === 'messages' && m === 'POST') return this.sendMessage(req, chatId, 'send');
        if (seg.length === 3 && seg[2] === 'regenerate' && m === 'POST')
          return this.sendMessage(req, chatId, 'regenerate');
        if (seg.length === 5 && seg[2] === 'form-requests' && seg[4] === 'submit' && m === 'POST')
          return this.submitForm(req, chatId, seg[3]!);
        const messageId = int(seg[3]);
        if (
          seg.length === 5 &&
          seg[2] === 'messages' &&
          messageId !== undefined &&
          seg[4] === 'feedbacks' &&
          m === 'POST'
        ) {
          return this.feedback(req, chatId, messageId);
        }
      }
    }
    if (seg[0] === 'batches') {
      if (seg.length === 1 && m === 'POST') return this.createBatch(req);
      if (seg.length === 1 && m === 'GET') return this.listBatches(req);
      const batchId = seg[1];
      if (batchId !== undefined && seg.length === 2 && m === 'GET') return this.getBatch(batchId);
      if (batchId !== undefined && seg.length === 3 && seg[2] === 'results' && m === 'GET')
        return this.batchResults(req, batchId);
      if (batchId !== undefined && seg.length === 3 && seg[2] === 'cancel' && m === 'POST')
        return this.cancelBatch(batchId);
    }
    return notFound(`Not found: ${m} ${route}`);
  }

  private takeFault(): ScriptedReply | undefined {
    const gate = this.armed.takeGate();
    if (gate?.kind === 'rateLimit') return this.rateLimitReply(gate.retryAfterSeconds);
    if (gate?.kind === 'fail') return failure(gate.status, 10005, 'Service temporarily unavailable');
    const platform = this.armed.take(['platformError'])?.options;
    if (platform) return failure(platform.status as number, platform.code as number, platform.message as string);
    return undefined;
  }

  private rateLimitReply(retryAfterSeconds: number): ScriptedReply {
    return {
      status: 429,
      headers: { ...JSON_HEADERS, 'retry-after': String(retryAfterSeconds) },
      body: envelope(null, { message: 'Too many requests', errorCode: null }),
    };
  }

  private json(req: RecordedRequest): { body: Record<string, unknown> } | { reply: ScriptedReply } {
    if (req.body === '') return { body: {} };
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return { reply: badRequest('Invalid JSON body') };
    }
    return isObject(body) ? { body } : { reply: badRequest('The body must be a JSON object') };
  }

  private page<T>(
    req: RecordedRequest,
    items: T[],
  ): { data: T[]; pagination: Record<string, unknown> } | { reply: ScriptedReply } {
    const limit = req.query.has('limit') ? Number(req.query.get('limit')) : 50;
    const offset = req.query.has('offset') ? Number(req.query.get('offset')) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return { reply: badRequest('limit must be an integer from 1 to 1000') };
    if (!Number.isInteger(offset) || offset < 0) return { reply: badRequest('offset must be a non-negative integer') };
    const total = items.length;
    const link = (o: number) => {
      const q = new URLSearchParams(req.query);
      q.set('offset', String(o));
      q.set('limit', String(limit));
      return `${this.origin}${req.path}?${q.toString()}`;
    };
    return {
      data: items.slice(offset, offset + limit),
      pagination: {
        limit,
        offset,
        total_records: total,
        total_pages: Math.ceil(total / limit),
        current_page: Math.floor(offset / limit) + 1,
        next_page: offset + limit < total ? link(offset + limit) : null,
        prev_page: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      },
    };
  }

  private checkExternalUser(externalUserId: unknown): ScriptedReply | undefined {
    const allowed = this.options.allowedExternalUserIds;
    if (!allowed) return undefined;
    if (typeof externalUserId !== 'string' || !allowed.includes(externalUserId))
      return failure(403, 14103, 'Client user not allowed');
    return undefined;
  }

  private listAgents(): ScriptedReply {
    return ok(this.state.agents.filter((a) => a.published !== false).map(agentJson));
  }

  private createChat(req: RecordedRequest): ScriptedReply {
    const parsed = this.json(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.body;
    const { name, agent_id: agentId, external_user_id: externalUserId } = body;
    if (typeof name !== 'string') return badRequest('name: Field required');
    if ([...name].length > 256) return badRequest('name: at most 256 characters');
    if (typeof agentId !== 'string') return badRequest('agent_id: Field required');
    if (externalUserId !== undefined && externalUserId !== null && typeof externalUserId !== 'string')
      return badRequest('external_user_id must be a string');
    if (!this.state.agent(agentId)) return notFound('Agent not found');
    const refused = this.checkExternalUser(externalUserId);
    if (refused) return refused;
    const chat = this.state.createChat(name, agentId, typeof externalUserId === 'string' ? externalUserId : undefined);
    return ok(chatJson(chat));
  }

  private listChats(req: RecordedRequest): ScriptedReply {
    const order = req.query.get('order_by') ?? '-created_at';
    const orders = ['asc', 'ascending', 'desc', 'descending', 'created_at', '-created_at'];
    if (!orders.includes(order)) return badRequest(`order_by must be one of ${orders.join(', ')}`);
    const agentId = req.query.get('agent_id');
    const externalUserId = req.query.get('external_user_id');
    let chats = [...this.state.chats.values()].filter(
      (c) =>
        (agentId === null || c.agentId === agentId) && (externalUserId === null || c.externalUserId === externalUserId),
    );
    if (!['asc', 'ascending', 'created_at'].includes(order)) chats = chats.reverse();
    const page = this.page(req, chats);
    if ('reply' in page) return page.reply;
    return ok(page.data.map(chatJson), page.pagination);
  }

  private updateChat(req: RecordedRequest, chatId: number): ScriptedReply {
    const chat = this.state.chats.get(chatId);
    if (!chat) return notFound('Chat not found');
    const parsed = this.json(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.body;
    const { name, ...rest } = body;
    if (name !== undefined) {
      if (typeof name !== 'string' || [...name].length > 256)
        return badRequest('name must be a string of at most 256 characters');
      chat.name = name;
    }
    Object.assign(chat.extra, rest);
    chat.updatedAt = this.state.now();
    return ok(chatJson(chat));
  }

  private listMessages(req: RecordedRequest, chatId: number): ScriptedReply {
    if (!this.state.chats.has(chatId)) return notFound('Chat not found');
    const page = this.page(req, this.state.chatMessages(chatId));
    if ('reply' in page) return page.reply;
    return ok(
      page.data.map((msg) => messageJson(msg, this.state.agents)),
      page.pagination,
    );
  }

  private answerFor(turn: CodeerSimulatorTurn, includeToolTags: boolean): { deltas: string[]; text: string } {
    const answer = this.options.answer;
    const raw = typeof answer === 'function' ? answer(turn) : (answer ?? CODEER_SIM_DEFAULT_ANSWER);
    if (Array.isArray(raw)) {
      const deltas = includeToolTags ? raw : raw.map(stripToolTags);
      return { deltas: deltas.filter((d) => d !== ''), text: deltas.join('') };
    }
    const text = includeToolTags ? raw : stripToolTags(raw);
    return { deltas: splitText(text, this.options.deltaSize ?? 6), text };
  }

  private stepsFor(turn: CodeerSimulatorTurn): CodeerSimulatorStep[] {
    const steps = this.options.steps;
    if (steps === undefined) return defaultCodeerSteps(turn);
    return typeof steps === 'function' ? steps(turn) : steps;
  }

  private titleFor(message: string): string | null {
    const title = this.options.title;
    if (title === undefined) return defaultCodeerTitle(message);
    return typeof title === 'function' ? title(message) : title;
  }

  private sendMessage(req: RecordedRequest, chatId: number, kind: 'send' | 'regenerate'): ScriptedReply {
    const chat = this.state.chats.get(chatId);
    if (!chat) return notFound('Chat not found');
    const parsed = this.json(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.body;
    const history = this.state.chatMessages(chatId);
    let message: string;
    let groupId: string;
    const attached: CodeerSimulatorFile[] = [];
    const agentId =
      typeof body.agent_id === 'string' ? body.agent_id : kind === 'regenerate' ? chat.agentId : undefined;
    if (kind === 'send') {
      if (typeof body.message !== 'string' || body.message === '') return badRequest('message: Field required');
      if (agentId === undefined) return badRequest('agent_id: Field required');
      message = body.message;
      groupId = `cvg-${this.state.uuid()}`;
    } else {
      const lastUser = [...history].reverse().find((h) => h.role === 'user');
      if (!lastUser) return badRequest('Nothing to regenerate');
      message = lastUser.content;
      groupId = lastUser.groupId;
    }
    if (agentId !== chat.agentId) return badRequest('History agent mismatch');
    const agent = this.state.agent(agentId);
    if (!agent || agent.published === false) return notFound('Agent version not found');
    const externalUserId = body.external_user_id ?? chat.externalUserId;
    const refused = this.checkExternalUser(externalUserId);
    if (refused) return refused;
    if (body.attached_file_uuids !== undefined) {
      if (!Array.isArray(body.attached_file_uuids)) return badRequest('attached_file_uuids must be a list');
      for (const uuid of body.attached_file_uuids) {
        const file = typeof uuid === 'string' ? this.state.files.get(uuid) : undefined;
        if (!file) return badRequest(`Attachment not found: ${String(uuid)}`);
        attached.push(file);
      }
    }
    const stream = body.stream === undefined ? true : body.stream === true;
    const turn: CodeerSimulatorTurn = { chatId, message, agentId, kind, stream };
    const answer = this.answerFor(turn, body.include_tool_tags === true);
    const steps = this.stepsFor(turn);
    const usage = simUsage(message, answer.text, steps.length);
    const firstMessage = !history.some((h) => h.role === 'user');
    const generated =
      kind === 'send' && firstMessage && (chat.name === '' || chat.name === 'Untitled') ? this.titleFor(message) : null;

    let userMessageId: number;
    if (kind === 'send') {
      userMessageId = this.state.addMessage({
        chatId,
        groupId,
        role: 'user',
        content: message,
        agentId,
        attachedFiles: attached,
        steps: null,
        usage: null,
      }).id;
    } else {
      userMessageId = [...history].reverse().find((h) => h.role === 'user')!.id;
      const lastAssistant = [...history].reverse().find((h) => h.role === 'assistant' && h.groupId === groupId);
      if (lastAssistant) this.state.removeMessage(lastAssistant.id);
    }
    if (generated !== null) chat.name = generated;

    const f = stream ? this.armed.take(['inStreamError'])?.options : undefined;
    const error = f
      ? { afterDeltas: f.afterDeltas as number, code: f.code as number | string, message: f.message as string }
      : undefined;
    const errorEvent = f?.event as CodeerSimulatorInStreamErrorOptions['event'];
    if (!error) {
      this.state.addMessage({
        chatId,
        groupId,
        role: 'assistant',
        content: answer.text,
        agentId,
        attachedFiles: [],
        steps,
        usage,
      });
    }
    if (!stream) return ok(answer.text);

    const cut = this.armed.takeCut();
    if (cut?.beforeHeaders) return beforeHeadersReply(cut);
    const responseId = this.state.uuid();
    const events = planCodeerStream({
      responseId,
      chatId,
      agentId,
      model: this.options.model ?? 'gpt-4o',
      conversationGroupId: groupId,
      userConversationId: userMessageId,
      title: generated ?? undefined,
      steps,
      deltas: answer.deltas,
      finalText: answer.text,
      usage,
      variant: { ...this.options.variant, ...(errorEvent ? { errorEvent } : {}) },
      extra: this.options.extraEvents ?? [],
      error,
      timestamp: this.state.now(),
    });
    return {
      status: 200,
      headers: SSE_HEADERS,
      body: streamSteps(
        events,
        { cut, malformed: this.armed.takeMalformed(), split: this.armed.split },
        { response_id: responseId, chat_id: chatId },
        this.options.eventDelayMs ?? 0,
      ),
    };
  }

  private submitForm(req: RecordedRequest, chatId: number, formRequestId: string): ScriptedReply {
    if (!this.state.chats.has(chatId)) return notFound('Chat not found');
    const parsed = this.json(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.body;
    this.state.formSubmissions.push({ chatId, formRequestId, body });
    return ok({ form_request_id: formRequestId, chat_id: chatId, status: 'submitted' });
  }

  private feedback(req: RecordedRequest, chatId: number, messageId: number): ScriptedReply {
    if (!this.state.chats.has(chatId)) return notFound('Chat not found');
    if (!this.state.chatMessages(chatId).some((msg) => msg.id === messageId)) return notFound('Message not found');
    const parsed = this.json(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.body;
    const feedback = { id: this.state.feedbacks.length + 1, chatId, messageId, body };
    this.state.feedbacks.push(feedback);
    return ok({ id: feedback.id, chat_id: chatId, message_id: messageId, ...body });
  }

  private uploadFile(req: RecordedRequest): ScriptedReply {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary) return badRequest('Expected multipart/form-data');
    let parts: MultipartPart[];
    try {
      parts = parseMultipart(req.rawBody, boundary);
    } catch (error) {
      return badRequest(`Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`);
    }
    const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
    if (!file) {
      // django-ninja's own validation error shape.
      return {
        status: 422,
        headers: JSON_HEADERS,
        body: JSON.stringify({ detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required' }] }),
      };
    }
    const dataPart = parts.find((p) => p.name === 'data');
    let scope: 'persistent' | 'ephemeral' = 'persistent';
    if (dataPart) {
      let data: unknown;
      try {
        data = JSON.parse(dataPart.text);
      } catch {
        return badRequest('data: must be a JSON string');
      }
      if (!isObject(data)) return badRequest('data: must be a JSON object');
      if (data.scope !== undefined) {
        if (data.scope !== 'persistent' && data.scope !== 'ephemeral')
          return badRequest('data.scope must be "persistent" or "ephemeral"');
        scope = data.scope;
      }
    }
    const contentType = (file.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!contentType || contentType === 'application/octet-stream')
      return badRequest(`Unsupported file type: ${contentType || '(none)'}`);
    const uuid = this.state.uuid();
    const stored: CodeerSimulatorFile = {
      uuid,
      originalName: file.filename!,
      contentType,
      size: file.bytes.byteLength,
      scope,
      fileUrl: `${this.origin}/media/uploads/${uuid}/${encodeURIComponent(file.filename!)}`,
      bytes: file.bytes,
    };
    if (dataPart) stored.dataField = dataPart.text;
    this.state.files.set(uuid, stored);
    return ok({
      uuid,
      original_name: stored.originalName,
      content_type: contentType,
      size: stored.size,
      file_url: stored.fileUrl,
      scope,
    });
  }

  // --- batches ----------------------------------------------------------------------------------

  private createBatch(req: RecordedRequest): ScriptedReply {
    const parsed = this.json(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.body;
    const { agent_id: agentId, requests, webhook } = body;
    if (typeof agentId !== 'string') return badRequest('agent_id: Field required');
    const agent = this.state.agent(agentId);
    if (!agent || agent.published === false) return notFound('Agent version not found');
    if (!Array.isArray(requests) || requests.length < 1 || requests.length > 1000)
      return badRequest('requests must hold 1 to 1000 items');
    const seen = new Set<string>();
    for (const [i, r] of requests.entries()) {
      if (!isObject(r) || typeof r.custom_id !== 'string' || typeof r.message !== 'string')
        return badRequest(`requests[${i}]: custom_id and message are required`);
      if (r.custom_id.length > 256) return badRequest(`requests[${i}].custom_id: at most 256 characters`);
      if (seen.has(r.custom_id)) return badRequest(`requests[${i}].custom_id: duplicate "${r.custom_id}"`);
      seen.add(r.custom_id);
    }
    let hook: CodeerSimulatorBatch['webhook'];
    if (webhook !== undefined) {
      if (!isObject(webhook) || typeof webhook.url !== 'string' || !webhook.url.startsWith('https://'))
        return badRequest('webhook.url must be an HTTPS URL');
      const events = webhook.events ?? ['completed', 'failed'];
      if (!Array.isArray(events) || events.some((e) => !['completed', 'failed', 'cancelled'].includes(e as string))) {
        return badRequest('webhook.events must be a subset of completed, failed, cancelled');
      }
      hook = { url: webhook.url, events: events as string[] };
    }
    const batch: CodeerSimulatorBatch = {
      id: `batch_${this.state.uuid().replace(/-/g, '').slice(-12)}`,
      status: 'in_progress',
      agentId,
      requests: requests as unknown as CodeerSimulatorBatchRequest[],
      createdAt: this.state.now(),
      results: [],
    };
    if (hook) batch.webhook = hook;
    this.state.batches.set(batch.id, batch);
    if (this.options.batchCompletion === 'immediate') this.runBatch(batch);
    return ok(batchJson(batch));
  }

  private runBatch(batch: CodeerSimulatorBatch): void {
    if (batch.status !== 'in_progress') return;
    batch.results = batch.requests.map((r) => {
      const agentId = r.agent_id ?? batch.agentId;
      const agent = this.state.agent(agentId);
      if (!agent || agent.published === false) {
        return {
          custom_id: r.custom_id,
          status: 'failed',
          history_id: null,
          output: null,
          error: { code: 10003, message: 'Agent version not found' },
        };
      }
      let chat: CodeerSimulatorChat | undefined =
        r.history_id === undefined ? undefined : this.state.chats.get(r.history_id);
      chat ??= this.state.createChat(r.name ?? '', agentId, r.external_user_id);
      const turn: CodeerSimulatorTurn = { chatId: chat.id, message: r.message, agentId, kind: 'send', stream: false };
      const answer = this.answerFor(turn, false);
      const groupId = `cvg-${this.state.uuid()}`;
      this.state.addMessage({
        chatId: chat.id,
        groupId,
        role: 'user',
        content: r.message,
        agentId,
        attachedFiles: [],
        steps: null,
        usage: null,
      });
      this.state.addMessage({
        chatId: chat.id,
        groupId,
        role: 'assistant',
        content: answer.text,
        agentId,
        attachedFiles: [],
        steps: null,
        usage: null,
      });
      return { custom_id: r.custom_id, status: 'completed', history_id: chat.id, output: answer.text, error: null };
    });
    batch.status = 'completed';
    batch.finishedAt = this.state.now();
  }

  private readBatch(batchId: string): CodeerSimulatorBatch | undefined {
    const batch = this.state.batches.get(batchId);
    if (batch && (this.options.batchCompletion ?? 'on-read') === 'on-read') this.runBatch(batch);
    return batch;
  }

  private listBatches(req: RecordedRequest): ScriptedReply {
    const batches = [...this.state.batches.values()].reverse();
    const page = this.page(req, batches);
    if ('reply' in page) return page.reply;
    return ok(page.data.map(batchJson), page.pagination);
  }

  private getBatch(batchId: string): ScriptedReply {
    const batch = this.readBatch(batchId);
    return batch ? ok(batchJson(batch)) : notFound('Batch not found');
  }

  private batchResults(req: RecordedRequest, batchId: string): ScriptedReply {
    const batch = this.readBatch(batchId);
    if (!batch) return notFound('Batch not found');
    const page = this.page(req, batch.results);
    if ('reply' in page) return page.reply;
    return ok(page.data, page.pagination);
  }

  private cancelBatch(batchId: string): ScriptedReply {
    const batch = this.state.batches.get(batchId);
    if (!batch) return notFound('Batch not found');
    if (batch.status !== 'in_progress') return badRequest(`Batch is already ${batch.status}`);
    batch.status = 'cancelled';
    batch.finishedAt = this.state.now();
    batch.results = batch.requests.map((r) => ({
      custom_id: r.custom_id,
      status: 'cancelled',
      history_id: null,
      output: null,
      error: null,
    }));
    return ok(batchJson(batch));
  }
}

/**
 * Starts a Codeer API simulator on loopback: the `/api/v1` routes of the provider sheet with the
 * `{data, message, error_code, pagination}` envelope on every JSON answer, `x-api-key` auth, chats,
 * history, files and batches held in memory, and answers streamed exactly as Codeer's SSE (deterministic
 * Japanese text by default). Fault knobs: the shared `split`, `fail`, `rateLimit`, `delayHeaders`, `stall`,
 * `cut`, `malformedJson`, plus `platformError` and `inStreamError`.
 */
export async function startCodeerSimulator(options: CodeerSimulatorOptions = {}): Promise<CodeerSimulator> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('testkit: startCodeerSimulator options must be an object');
  return new CodeerSimulatorServer(options).start();
}
