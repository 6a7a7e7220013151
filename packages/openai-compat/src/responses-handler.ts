/**
 * The OpenAI Responses API over kakehashi's agent contract, on web-standard `Request`/`Response`,
 * next to Chat Completions and sharing its model resolution, errors, message mapping, hooks and
 * honest-parameter list. Nothing here knows a platform by name.
 *
 * - `model`, `user`, errors, heartbeats, the first-event wait, cancellation: as Chat Completions.
 * - `input`: a string (one user message) or message items (`{ type: 'message', role, content }`, or
 *   `{ role, content }`); `content` is a string or text parts. `instructions` is sent as the first
 *   `system` message (the SDK decides: AgenticStar takes it, Codeer and miibo agents keep their own).
 * - `previous_response_id` continues the platform session stored with that response;
 *   `item_reference` items name output items of stored responses.
 * - Responses are stored (`store: true`, the default) in the `ConversationStore` namespace
 *   `response` before `response.completed` (or the whole answer) goes out; `GET /v1/responses/{id}`
 *   reads them.
 * - The stream and the object: see `responses-writer.ts` (events, steps as `reasoning` items,
 *   rewrites) and `responses-stream.ts` (the stream's life).
 */
import type { AgentDirectory } from '@kakehashi/platforms';
import { redact } from '@kakehashi/sse-core';
import {
  CLIENT_CLOSED_KIND,
  describeGatewayError,
  errorResponse,
  type GatewayErrorInfo,
} from './chat-completions-errors';
import { cancelTurnOnAbort, safeRequestId, safely, TurnObserver, turnFailure } from './chat-completions-hooks';
import { kakehashiHeaders } from './chat-completions-ids';
import { resolveModel } from './chat-completions-model';
import type { ChatCompletionsTarget } from './chat-completions-handler';
import type { ChatTurn } from './chat-completions-turn';
import { collectResponse } from './responses-collect';
import { type ResponsesHandlerOptions, resolveResponsesOptions } from './responses-options';
import { readResponsesRequest, type ResponsesRequest } from './responses-request';
import { loadResponse, saveResponse, scopeDigest } from './responses-stored';
import { streamAnswer } from './answer-stream';
import { openResponsesTurn, planResponsesTurn } from './responses-turn';
import { type ResponseBody, ResponseWriter, responseItemId } from './responses-writer';

/** The Responses API endpoints, on web-standard `Request`/`Response`: mount them in any framework. */
export interface ResponsesHandler {
  /**
   * `POST /v1/responses`. On Node, pass the request's `ServerResponse` as `node.outgoing` (with Hono
   * on @hono/node-server: `handler.create(c.req.raw, c.env)`): a streamed answer is then written to
   * it directly and the returned `Response` is an empty one marked `x-hono-already-sent: true`, as
   * the chat handler does.
   */
  create(request: Request, node?: ChatCompletionsTarget): Promise<Response>;
  /** `GET /v1/responses/{id}`: a stored response (404 naming it when unknown, expired, or another caller's). */
  get(request: Request, id: string): Promise<Response>;
  /** The agents the handler speaks to (share it with other doors). */
  readonly directory: AgentDirectory;
}

function invalid(status: number, message: string, code: string, param: string | null = null): GatewayErrorInfo {
  return {
    status,
    kind: status === 404 ? 'model_not_found' : 'invalid_request',
    error: { message, type: 'invalid_request_error', param, code },
  };
}

function json(body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** A failure to store a finished response: the client asked for it to be kept, so the response failed. */
function storeError(): GatewayErrorInfo {
  return {
    status: 503,
    kind: 'store',
    error: {
      message:
        'The response could not be stored (store: true), so it could not be continued: try again, or send store: false.',
      type: 'server_error',
      param: null,
      code: 'store_failed',
    },
  };
}

/**
 * Creates the OpenAI Responses API handler for the platforms in `options.platforms` (default
 * AgenticStar, Codeer and miibo), with the model names of the chat handler (`<platform>`,
 * `<platform>/<agentId>`). Streamed answers are the documented event sequence
 * (`response.created` … `response.completed`, or `response.failed`); whole ones a `response`
 * object. Agent steps are `reasoning` items; ids and the session ride in a `kakehashi` field and in
 * `x-kakehashi-*` headers.
 *
 * @throws InvalidArgumentError naming a bad option.
 */
export function createResponsesHandler(options: ResponsesHandlerOptions = {}): ResponsesHandler {
  const o = resolveResponsesOptions(options);
  const { directory, metrics, logger, store } = o;

  function refused(
    info: GatewayErrorInfo,
    platform: string | undefined,
    error?: unknown,
    requestId?: string,
  ): Response {
    if (info.kind !== CLIENT_CLOSED_KIND) safely(() => metrics?.error?.(platform ?? 'unknown', info.kind));
    safely(() =>
      logger?.debug?.(
        { reqId: requestId, platform, status: info.status, kind: info.kind, error: info.error.message },
        'response refused',
      ),
    );
    if (info.kind === 'internal' && error !== undefined) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      safely(() =>
        logger?.error?.({ reqId: requestId, platform, error: redact(detail) }, 'response: unexpected error'),
      );
    }
    return errorResponse(info);
  }

  async function create(request: Request, node?: ChatCompletionsTarget): Promise<Response> {
    if (request.method !== 'POST')
      return errorResponse(invalid(405, 'Method not allowed: use POST.', 'method_not_allowed'), { allow: 'POST' });
    let platform: string | undefined;
    let observer: TurnObserver | undefined;
    let chat: ChatTurn | undefined;
    const requestId = safeRequestId(o.requestId, request);
    try {
      const req: ResponsesRequest = await readResponsesRequest(request, o.maxBodyBytes);
      const target = await resolveModel(directory, req.model);
      platform = target.platform;
      const scope = await scopeDigest(o.responseScope(request));
      const plan = await planResponsesTurn(req, target, store, scope);
      const agent = await directory.agent(target.platform);
      // Without previous_response_id (or user), a history that extends an earlier turn continues its
      // session, as on Chat Completions (conversation-sessions.ts); `previous_response_id` always wins.
      const sessions = req.previousResponseId === undefined && req.user === undefined ? o.sessions : undefined;
      const model = target.agentId === undefined ? target.platform : `${target.platform}/${target.agentId}`;
      const conversationScope = sessions === undefined ? undefined : o.conversationScope(request);
      const recognised =
        sessions === undefined ? undefined : await sessions.lookup(model, plan.messages, conversationScope);
      chat = openResponsesTurn(agent, target, req, plan, o.callOptions, recognised);
      const turn = chat.turn;
      observer = new TurnObserver(
        target.platform,
        metrics,
        logger,
        {
          platform: target.platform,
          model: req.model,
          stream: req.stream,
        },
        'response',
        { requestId, shutdownSignal: o.shutdownSignal },
      );
      cancelTurnOnAbort(turn, observer, [request.signal, o.shutdownSignal]);
      const writer = new ResponseWriter({
        id: responseItemId('resp'),
        createdAt: Math.floor(Date.now() / 1000),
        model: req.model,
        provider: target.platform,
        previousResponseId: req.previousResponseId,
        instructions: req.instructions,
        metadata: req.metadata,
        user: req.user,
        store: req.store,
        session: () => turn.session(),
        stream: req.stream,
      });
      const keep = async (body: ResponseBody) => {
        const session = turn.session();
        if (sessions !== undefined && session !== undefined) {
          // A plain client joins the deltas: after a rewrite its copy is the draft, remembered too.
          await sessions.remember(
            model,
            plan.messages,
            [body.output_text, writer.streamedText()],
            session,
            conversationScope,
          );
        }
        if (!req.store) return;
        await saveResponse(
          store,
          {
            v: 1,
            response: body,
            platform: target.platform,
            agentId: target.agentId ?? null,
            session: turn.session() ?? null,
            scope,
          },
          o.responseTtlMs,
        );
      };
      const storeFailed = (error: unknown): GatewayErrorInfo => {
        const detail = error instanceof Error ? error.message : String(error);
        safely(() =>
          logger?.error?.({ reqId: requestId, platform, error: redact(detail) }, 'response: storing it failed'),
        );
        return storeError();
      };
      if (req.stream) {
        return await streamAnswer(chat, {
          encoder: writer,
          observer,
          heartbeatMs: o.heartbeatMs,
          firstEventWaitMs: o.firstEventWaitMs,
          headers: kakehashiHeaders,
          failed: (info) => errorResponse(info, kakehashiHeaders(writer.ids())),
          // The response is stored before response.completed goes out (a client continuing the moment
          // it sees it finds it); a failure to store fails the response.
          complete: async (event, ending) => {
            const text = writer.finish(event);
            try {
              await keep(writer.body());
            } catch (error) {
              const info = storeFailed(error);
              ending.end('failed', info);
              return text + writer.failed(info.error);
            }
            if (ending.left()) return ''; // the reader left while the response was stored
            ending.end('finished');
            return text + writer.completed();
          },
          outgoing: node?.outgoing,
        });
      }
      const result = await collectResponse(chat, observer, writer);
      if (!result.ok) return errorResponse(result.info, kakehashiHeaders(writer.ids()));
      try {
        await keep(result.body);
      } catch (error) {
        const info = storeFailed(error);
        observer.close('failed', turnFailure(info));
        return errorResponse(info, kakehashiHeaders(writer.ids()));
      }
      observer.close('finished');
      return json(result.body, kakehashiHeaders(result.body.kakehashi));
    } catch (error) {
      if (chat) void chat.turn.return?.()?.catch(() => {});
      if (observer) return errorResponse(observer.failWith(error));
      return refused(describeGatewayError(error, platform, requestId), platform, error, requestId);
    }
  }

  async function get(request: Request, id: string): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return errorResponse(invalid(405, 'Method not allowed: use GET.', 'method_not_allowed'), { allow: 'GET' });
    try {
      const stored = await loadResponse(store, id, await scopeDigest(o.responseScope(request)));
      if (stored === undefined || !id.startsWith('resp_')) {
        return errorResponse(
          invalid(
            404,
            `No response with id '${id}' is stored here (it was sent with store: false, has expired, or never existed).`,
            'response_not_found',
            'response_id',
          ),
        );
      }
      return json(stored.response, kakehashiHeaders(stored.response.kakehashi));
    } catch (error) {
      const requestId = safeRequestId(o.requestId, request);
      return refused(describeGatewayError(error, undefined, requestId), undefined, error, requestId);
    }
  }

  return { create, get, directory };
}
