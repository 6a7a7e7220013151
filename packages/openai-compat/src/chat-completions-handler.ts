/**
 * The OpenAI Chat Completions protocol over kakehashi's agent contract, on web-standard
 * `Request`/`Response` (mount it in Hono, node:http, Bun, Deno, Workers, …). Nothing here knows a
 * platform by name: the model's platform is looked up in the agent directory and spoken to through
 * its `ChatAgent`.
 *
 * Behaviour, in short (the details are in each file's TSDoc):
 *
 * - `model`: `<platform>` (its default agent) or `<platform>/<agentId>`. A platform that is not
 *   registered (or is switched off) is 404 `model_not_found`; one without credentials is not listed
 *   in `GET /v1/models` and its models answer 400 `provider_not_configured` naming the variable
 *   (nothing is sent).
 * - Messages become `AgentMessage`s (`developer` → `system`; `tool`/`function` and empty messages
 *   left out); which of them a platform sends is its SDK's business. Only text content is accepted
 *   (an image part is 400 naming it).
 * - `conversation_id` / `chat_id` (top-level or in `metadata`) → `session`; `user` → `userId`; the
 *   model's agent id → `agentId`. The ids come back in the `kakehashi` field and in `x-kakehashi-*`
 *   response headers, `session` among them.
 * - Without any of those ids, a history that extends an earlier turn (its messages plus its answer)
 *   continues that turn's session: see `conversation-sessions.ts`. The mapping is written before the
 *   answer's last chunk (or the whole answer) goes out.
 * - Sampling parameters are accepted and ignored (the platforms run their own agents); parameters
 *   they cannot honour (`tools`, `response_format` other than text, `n` other than 1, …) are 400.
 * - Streaming: see `chat-completions-chunks.ts` (wire shape, `text-replace`, steps) and
 *   `answer-stream.ts` (first-event wait, heartbeats, cancel, errors mid-stream).
 * - Errors: OpenAI's `{error: {message, type, param, code}}`; see `chat-completions-errors.ts` for
 *   the status mapping (platform 4xx → 400/404/429, auth and 5xx → 502, timeouts → 504).
 */
import type { AgentDirectory } from '@kakehashi/platforms';
import { redact } from '@kakehashi/sse-core';
import { ChatCompletionChunkWriter } from './chat-completions-chunks';
import { collectCompletion } from './chat-completions-collect';
import {
  CLIENT_CLOSED_KIND,
  describeGatewayError,
  errorResponse,
  type GatewayErrorInfo,
} from './chat-completions-errors';
import { cancelTurnOnAbort, safeRequestId, safely, TurnObserver } from './chat-completions-hooks';
import { kakehashiHeaders } from './chat-completions-ids';
import { resolveModel } from './chat-completions-model';
import { modelList } from './chat-completions-models';
import { type ChatCompletionsHandlerOptions, resolveChatOptions } from './chat-completions-options';
import { readChatCompletionsRequest } from './chat-completions-request';
import { type ChatCompletionsNodeResponse, streamAnswer } from './answer-stream';
import { agentMessages } from './chat-completions-messages';
import { type ChatTurn, type ContinuedConversation, openChatTurn } from './chat-completions-turn';

/**
 * Where a Node server lets the handler write a streamed answer itself. With @hono/node-server this is
 * the context's `c.env` (`{ incoming, outgoing }`) as it is.
 */
export interface ChatCompletionsTarget {
  /** The `http.ServerResponse` of this request. */
  outgoing?: ChatCompletionsNodeResponse;
}

/** The OpenAI-compatible endpoints, on web-standard `Request`/`Response`: mount them in any framework. */
export interface ChatCompletionsHandler {
  /**
   * `POST /v1/chat/completions`.
   *
   * On Node, pass the request's `ServerResponse` as `node.outgoing` (with Hono on
   * @hono/node-server: `handler.completions(c.req.raw, c.env)`): a streamed answer is then written to
   * it directly, with Node's own backpressure, instead of through a web `ReadableStream`. The returned
   * `Response` is then an empty one with the header `x-hono-already-sent: true` (what
   * @hono/node-server's `RESPONSE_ALREADY_SENT` is): another framework should leave the response alone
   * when `outgoing.headersSent` is true. Errors and non-streamed answers are always returned as a
   * normal `Response`.
   */
  completions(request: Request, node?: ChatCompletionsTarget): Promise<Response>;
  /** `GET /v1/models`: every ready platform's models, from the directory. */
  models(request: Request): Promise<Response>;
  /** The agents the handler speaks to (share it with other doors). */
  readonly directory: AgentDirectory;
}

/** The model a conversation belongs to, as digested: the platform's name and the agent id as given. */
function conversationModel(target: { platform: string; agentId: string | undefined }): string {
  return target.agentId === undefined ? target.platform : `${target.platform}/${target.agentId}`;
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
 * Creates the OpenAI Chat Completions handler for the platforms in `options.platforms` (default
 * AgenticStar, Codeer and miibo): `model` is `<platform>` or `<platform>/<agentId>`. Streaming
 * answers are `chat.completion.chunk` SSE events ending with `data: [DONE]`; non-streaming ones one
 * `chat.completion`. Ids, agent steps and rewrites ride in a `kakehashi` extension field that OpenAI
 * clients ignore.
 *
 * @throws InvalidArgumentError naming a bad option.
 */
export function createChatCompletionsHandler(options: ChatCompletionsHandlerOptions = {}): ChatCompletionsHandler {
  const o = resolveChatOptions(options);
  const { directory, metrics, logger } = o;
  const listedAt = Math.floor(Date.now() / 1000);

  async function completions(request: Request, node?: ChatCompletionsTarget): Promise<Response> {
    if (request.method !== 'POST') return methodNotAllowed('POST');
    let platform: string | undefined;
    let observer: TurnObserver | undefined;
    let chat: ChatTurn | undefined;
    const requestId = safeRequestId(o.requestId, request);
    try {
      const req = await readChatCompletionsRequest(request, o.maxBodyBytes);
      const target = await resolveModel(directory, req.model);
      platform = target.platform;
      const agent = await directory.agent(target.platform);
      // Without a platform id, the history may continue an earlier turn's session (explicit ids win).
      const sessions = req.session === undefined && req.user === undefined ? o.sessions : undefined;
      let conversation: { model: string; scope: string | undefined; continued: ContinuedConversation } | undefined;
      if (sessions !== undefined) {
        const model = conversationModel(target);
        const scope = o.conversationScope(request);
        const messages = agentMessages(req.messages);
        conversation = {
          model,
          scope,
          continued: { messages, session: await sessions.lookup(model, messages, scope) },
        };
      }
      chat = openChatTurn(agent, target, req, o.callOptions, conversation?.continued);
      const turn = chat.turn;
      observer = new TurnObserver(
        target.platform,
        metrics,
        logger,
        { platform: target.platform, model: req.model, stream: req.stream },
        'chat completion',
        { requestId, shutdownSignal: o.shutdownSignal },
      );
      cancelTurnOnAbort(turn, observer, [request.signal, o.shutdownSignal]);
      const remember =
        sessions === undefined || conversation === undefined
          ? undefined
          : async (answers: string[]) => {
              const session = turn.session();
              if (session !== undefined)
                await sessions.remember(
                  conversation.model,
                  conversation.continued.messages,
                  answers,
                  session,
                  conversation.scope,
                );
            };
      const id = `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
      const created = Math.floor(Date.now() / 1000);
      if (req.stream) {
        const writer = new ChatCompletionChunkWriter({
          id,
          created,
          model: req.model,
          provider: target.platform,
          session: () => turn.session(),
          includeUsage: req.includeUsage,
        });
        return await streamAnswer(chat, {
          encoder: writer,
          observer,
          heartbeatMs: o.heartbeatMs,
          firstEventWaitMs: o.firstEventWaitMs,
          headers: kakehashiHeaders,
          failed: (info) => errorResponse(info, kakehashiHeaders(writer.ids())),
          outgoing: node?.outgoing,
          // The conversation is remembered before [DONE] goes out, so a client that sends its next turn
          // the moment it sees it is recognised. A plain client joins every delta: after a rewrite its
          // copy of the answer is the draft plus the final text, so that is remembered too.
          complete: (event, ending) => {
            const text = writer.write(event) ?? '';
            ending.end('finished');
            return remember ? remember([event.text, writer.streamedText()]).then(() => text) : text;
          },
        });
      }
      const result = await collectCompletion(chat, observer, { id, created, model: req.model });
      if (result.ok && remember) await remember([result.body.choices[0]!.message.content]);
      return result.ok
        ? json(result.body, kakehashiHeaders(result.ids))
        : errorResponse(result.info, kakehashiHeaders(result.ids));
    } catch (error) {
      let info: GatewayErrorInfo;
      if (observer) info = observer.failWith(error);
      else {
        info = describeGatewayError(error, platform, requestId);
        if (info.kind !== CLIENT_CLOSED_KIND) safely(() => metrics?.error?.(platform ?? 'unknown', info.kind));
        safely(() =>
          logger?.debug?.(
            { reqId: requestId, platform, status: info.status, kind: info.kind, error: info.error.message },
            'chat completion refused',
          ),
        );
      }
      if (chat) void chat.turn.return?.()?.catch(() => {});
      if (info.kind === 'internal') {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        safely(() =>
          logger?.error?.({ reqId: requestId, platform, error: redact(detail) }, 'chat completion: unexpected error'),
        );
      }
      return errorResponse(info);
    }
  }

  async function models(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET');
    return json(modelList(await directory.models(), listedAt));
  }

  return { completions, models, directory };
}
