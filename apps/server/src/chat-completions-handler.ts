/**
 * The OpenAI Chat Completions gateway for AgenticStar, Codeer and miibo, on web-standard
 * `Request`/`Response` (mount it in Hono, Fastify, node:http, …).
 *
 * Behaviour, in short (the details are in each file's TSDoc):
 *
 * - `model`: `agenticstar`, `agenticstar/<agentId>`, `codeer/<agentId>`, `miibo/<agentId>`; a bare
 *   `codeer` / `miibo` uses the default agent (`CODEER_AGENT_ID` / `MIIBO_AGENT_ID`). Another platform
 *   is 404 `model_not_found`; a platform without credentials is not listed in `GET /v1/models` and its
 *   models answer 400 `provider_not_configured` naming the missing variable (nothing is sent).
 * - Messages: AgenticStar gets the messages (`developer` → `system`; `tool`/`function` and empty
 *   messages left out; when `conversation_id` continues a conversation only the messages after the
 *   last assistant message are sent, the platform holding the history). Codeer and miibo get the last
 *   user message only: they keep the history themselves (Codeer per chat, miibo per uid), and their
 *   agents carry their own instructions, so `system` messages and earlier turns are not sent.
 *   Only text content is accepted (an image part is 400 naming it).
 * - `user` → miibo `uid`, Codeer `external_user_id` (AgenticStar: ignored).
 * - Continuing: `conversation_id` (AgenticStar) and `chat_id` (Codeer), top-level or in OpenAI
 *   `metadata`; with the AI SDK, `providerOptions.<name>.chat_id`. Without `chat_id` Codeer starts a
 *   new chat. The ids come back in the `kakehashi` field (`provider`, `conversation_id`, `chat_id`,
 *   `message_id`, `uid`, `response_id`) and in `x-kakehashi-*` response headers.
 * - Sampling parameters, `tools`, `response_format`, … are accepted and ignored (the platforms run
 *   their own agents); `n` other than 1 is 400.
 * - Streaming: see `chat-completions-chunks.ts` (wire shape, `text-replace`, steps) and
 *   `chat-completions-stream.ts` (first-event wait, heartbeats, cancel, errors mid-stream).
 * - Non-streaming: one `chat.completion` with the final text, `finish_reason`, `usage` when the
 *   platform reports it, and in `kakehashi` the ids, the agent's steps and the chat title.
 * - Errors: OpenAI's `{error: {message, type, param, code}}`; see `chat-completions-errors.ts` for
 *   the status mapping (platform 4xx → 400/404/429, auth and 5xx → 502, timeouts → 504).
 */
import type { ServerResponse } from 'node:http';
import { MissingConfigError, redact, validateArgument } from '@kakehashi/sse-core';
import { z } from 'zod';
import { ChatCompletionChunkWriter, type KakehashiIds } from './chat-completions-chunks';
import { collectCompletion } from './chat-completions-collect';
import {
  ChatRequestError,
  describeGatewayError,
  errorResponse,
  type GatewayErrorInfo,
} from './chat-completions-errors';
import {
  TurnObserver,
  safely,
  type ChatCompletionsLogger,
  type ChatCompletionsMetrics,
} from './chat-completions-hooks';
import { parseModel, type ChatPlatform } from './chat-completions-model';
import { modelList } from './chat-completions-models';
import { ChatCompletionsPlatforms, type ChatCompletionsPlatformOptions } from './chat-completions-platforms';
import { DEFAULT_MAX_BODY_BYTES, readChatCompletionsRequest } from './chat-completions-request';
import { streamAnswer } from './chat-completions-stream';
import { openAgentTurn } from './chat-completions-turn';

/** Options of {@link createChatCompletionsHandler}. Unknown keys are rejected. */
export interface ChatCompletionsHandlerOptions extends ChatCompletionsPlatformOptions {
  /**
   * Read the `AGENTICSTAR_*`, `CODEER_*` and `MIIBO_*` variables from here instead of `process.env`
   * (for the configured check, the default agents, and the SDKs created from settings).
   */
  env?: Record<string, string | undefined>;
  /** Further agent ids to list in `GET /v1/models` (as `platform/<id>`), besides each platform's default agent. */
  models?: Partial<Record<ChatPlatform, string[]>>;
  /** Send a `: heartbeat` comment when a stream has been silent this long. Default 15,000 ms; 0 = off. */
  heartbeatMs?: number;
  /**
   * How long a streaming request waits for the platform's first event before the `200` headers go
   * out. Until then a failure is answered with a real HTTP status and the ids go into headers.
   * Default: `heartbeatMs` (no limit when heartbeats are off).
   */
  firstEventWaitMs?: number;
  /** Largest accepted request body. Default 1 MiB (413 above). */
  maxBodyBytes?: number;
  /** Metrics hook (Prometheus counters, …). */
  metrics?: ChatCompletionsMetrics;
  /** Logger hook (pino-compatible). */
  logger?: ChatCompletionsLogger;
}

/**
 * Where a Node server lets the handler write a streamed answer itself. With @hono/node-server this is
 * the context's `c.env` (`{ incoming, outgoing }`) as it is.
 */
export interface ChatCompletionsTarget {
  /** The `http.ServerResponse` of this request. */
  outgoing?: ServerResponse;
}

/** The OpenAI-compatible endpoints, on web-standard `Request`/`Response`: mount them in any framework. */
export interface ChatCompletionsHandler {
  /**
   * `POST /v1/chat/completions`.
   *
   * On Node, pass the request's `ServerResponse` as `node.outgoing` (with Hono on
   * @hono/node-server: `handler.completions(c.req.raw, c.env)`): a streamed answer is then written to
   * it directly, with Node's own backpressure, instead of through a web `ReadableStream`, which saves
   * 10–20% of the gateway's CPU per stream (`npm run bench -- gateway`). The returned
   * `Response` is then @hono/node-server's `RESPONSE_ALREADY_SENT` (header `x-hono-already-sent`):
   * another framework should leave the response alone when `outgoing.headersSent` is true. Errors and
   * non-streamed answers are always returned as a normal `Response`.
   */
  completions(request: Request, node?: ChatCompletionsTarget): Promise<Response>;
  /** `GET /v1/models`. */
  models(request: Request): Promise<Response>;
}

const objectOrFalse = (what: string) =>
  z.union([
    z.literal(false),
    z.custom<object>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      `must be ${what}, its settings, or false`,
    ),
  ]);
const hookObject = (what: string) => z.custom<object>((v) => typeof v === 'object' && v !== null, `must be ${what}`);
const agentList = z.array(z.string().min(1, 'must not be empty').regex(/^\S+$/, 'must not contain spaces'));

const optionsSchema = z.strictObject({
  agenticstar: objectOrFalse('an AgenticStar provider').optional(),
  codeer: objectOrFalse('a Codeer provider').optional(),
  miibo: objectOrFalse('a miibo provider').optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  models: z
    .strictObject({ agenticstar: agentList.optional(), codeer: agentList.optional(), miibo: agentList.optional() })
    .optional(),
  heartbeatMs: z.number().finite().nonnegative().optional(),
  firstEventWaitMs: z.number().nonnegative().optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  metrics: hookObject('an object of metric callbacks').optional(),
  logger: hookObject('a logger object').optional(),
});

/** Response headers carrying the turn's ids (non-ASCII values percent-encoded). */
export function kakehashiHeaders(ids: KakehashiIds): Record<string, string> {
  const out: Record<string, string> = { 'x-kakehashi-provider': ids.provider };
  const put = (name: string, value: string | undefined) => {
    if (value !== undefined) out[name] = /^[\x21-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
  };
  put('x-kakehashi-conversation-id', ids.conversation_id);
  put('x-kakehashi-chat-id', ids.chat_id);
  put('x-kakehashi-message-id', ids.message_id);
  put('x-kakehashi-uid', ids.uid);
  return out;
}

function methodNotAllowed(allow: string): Response {
  const info: GatewayErrorInfo = {
    status: 405,
    kind: 'invalid_request',
    error: {
      message: `Method not allowed: use ${allow}.`,
      type: 'invalid_request_error',
      param: null,
      code: 'method_not_allowed',
    },
  };
  return errorResponse(info, { allow });
}

function json(body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/**
 * Creates the OpenAI Chat Completions gateway for AgenticStar, Codeer and miibo: `model` is
 * `agenticstar`, `agenticstar/<agentId>`, `codeer/<agentId>` or `miibo/<agentId>` (a bare `codeer` /
 * `miibo` uses the default agent). Streaming answers are `chat.completion.chunk` SSE events ending
 * with `data: [DONE]`; non-streaming ones one `chat.completion`. Ids, agent steps and rewrites ride in
 * a `kakehashi` extension field that OpenAI clients ignore. See `chat-completions-chunks.ts` for the
 * wire mapping.
 *
 * @throws InvalidArgumentError naming a bad option.
 */
export function createChatCompletionsHandler(options: ChatCompletionsHandlerOptions = {}): ChatCompletionsHandler {
  validateArgument(optionsSchema, options, 'options');
  const platforms = new ChatCompletionsPlatforms(
    { agenticstar: options.agenticstar, codeer: options.codeer, miibo: options.miibo },
    options.env,
    options.models,
  );
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const firstEventWaitMs = options.firstEventWaitMs ?? (heartbeatMs > 0 ? heartbeatMs : Number.POSITIVE_INFINITY);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { metrics, logger } = options;
  const listedAt = Math.floor(Date.now() / 1000);

  async function completions(request: Request, node?: ChatCompletionsTarget): Promise<Response> {
    if (request.method !== 'POST') return methodNotAllowed('POST');
    let platform: string | undefined;
    let observer: TurnObserver | undefined;
    try {
      const req = await readChatCompletionsRequest(request, maxBodyBytes);
      const target = parseModel(req.model);
      platform = target.platform;
      const status = platforms.status(target.platform);
      if (status.state === 'off') {
        throw new ChatRequestError(
          `The model '${req.model}' does not exist: ${target.platform} is switched off on this server.`,
          {
            status: 404,
            param: 'model',
            code: 'model_not_found',
          },
        );
      }
      if (status.state === 'missing') throw new MissingConfigError(`${target.platform} credentials`, status.envVar);
      const turn = openAgentTurn(platforms, target, req);
      observer = new TurnObserver(target.platform, metrics, logger, {
        platform: target.platform,
        model: req.model,
        stream: req.stream,
      });
      const signal = request.signal;
      const onAbort = () => turn.abort(signal.reason);
      if (signal.aborted) turn.abort(signal.reason);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        observer.onClose(() => signal.removeEventListener('abort', onAbort));
      }
      const id = `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
      const created = Math.floor(Date.now() / 1000);
      if (req.stream) {
        const writer = new ChatCompletionChunkWriter({
          id,
          created,
          model: req.model,
          provider: target.platform,
          ids: turn.ids,
          includeUsage: req.includeUsage,
        });
        return await streamAnswer(turn, {
          writer,
          observer,
          heartbeatMs,
          firstEventWaitMs,
          headers: kakehashiHeaders,
          failed: (info) => errorResponse(info, kakehashiHeaders(writer.ids())),
          outgoing: node?.outgoing,
        });
      }
      const result = await collectCompletion(turn, observer, { id, created, model: req.model });
      return result.ok
        ? json(result.body, kakehashiHeaders(result.ids))
        : errorResponse(result.info, kakehashiHeaders(result.ids));
    } catch (error) {
      const info = describeGatewayError(error, platform);
      if (observer) observer.close('failed', { kind: info.kind, message: info.error.message, status: info.status });
      else {
        safely(() => metrics?.error?.(platform ?? 'unknown', info.kind));
        safely(() =>
          logger?.debug?.(
            { platform, status: info.status, kind: info.kind, error: info.error.message },
            'chat completion refused',
          ),
        );
      }
      if (info.kind === 'internal') {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        safely(() => logger?.error?.({ platform, error: redact(detail) }, 'chat completion: unexpected error'));
      }
      return errorResponse(info);
    }
  }

  async function models(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET');
    return json(modelList(platforms.listModels(), listedAt));
  }

  return { completions, models };
}
