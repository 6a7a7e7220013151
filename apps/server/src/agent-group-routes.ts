import {
  MiiboWebhookVerificationError,
  verifyAgentGroupWebhook,
  type MiiboAgentGroupStartInput,
  type MiiboAgentGroupWebhook,
  type MiiboProvider,
} from '@kakehashi/miibo';
import { CLIENT_CLOSED_STATUS, describeGatewayError } from '@kakehashi/openai-compat';
import {
  ApiCallError,
  InvalidArgumentError,
  KakehashiError,
  MissingConfigError,
  parseJsonRequestBody,
} from '@kakehashi/sse-core';
import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { EventEmitter } from 'node:events';
import type {
  AgentGroupOutcome,
  AgentGroupOutcomeResult,
  AgentGroupRecord,
  AgentGroupStore,
} from './agent-group-store';
import { ServerConfigError, WEBHOOK_SECRET_HEADER } from './server-config';
import { errorResponse, jsonResponse } from './server-errors';
import { requestIdOf } from './server-instrumentation';
import type { ServerMetrics } from './server-metrics';
import { StoreUnavailableError } from './store-errors';

/** The routes' paths. */
export const AGENT_GROUP_PATHS = {
  start: '/v1/agent-groups',
  get: '/v1/agent-groups/:groupId',
  webhook: '/webhooks/miibo/agent-groups',
} as const;

/** Internal: what the agent group routes need from the server. */
export interface AgentGroupRouteContext {
  miibo: () => MiiboProvider;
  store: () => Promise<AgentGroupStore>;
  /** The server's public base URL (known once listening). */
  publicUrl: () => string;
  webhookSecret: string;
  webhookHmacSecret?: string;
  maxWaitSeconds: number;
  /** Longest miibo `Retry-After` waited out behind the caller, in ms (a longer one is answered at once: 429/503). */
  maxRetryAfterMs: number;
  /** Aborted when the server shuts down: long polls answer at once. */
  shutdownSignal: AbortSignal;
  logger: Logger;
  metrics: ServerMetrics;
}

const MAX_GROUP_ID_LENGTH = 256;

/** `Retry-After` of a 503 when the store cannot read or write: miibo (or any caller) retries then. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * How long a webhook for an unknown group waits for its start to be recorded: miibo may deliver the
 * result before this server has stored the start call's answer (it carries the group id). While a
 * start call is in flight in this process, up to 10 s; with PostgreSQL (a start may be in flight on
 * another instance), 2 s; otherwise none.
 */
const START_GRACE_MS = { inFlight: 10_000, shared: 2_000 } as const;

/** Answers a storage failure: 503 with `Retry-After`, logged and counted. Other errors are rethrown. */
function storeFailure(error: unknown, ctx: AgentGroupRouteContext, operation: string): Response {
  const unavailable = StoreUnavailableError.isInstance(error);
  if (!unavailable && !(error instanceof ServerConfigError)) throw error;
  const store = unavailable ? error.store : 'config';
  ctx.metrics.storeFailures.inc({ store, operation });
  ctx.logger.error({ err: error, store, operation }, 'the store failed: answered 503');
  return errorResponse(503, `The server cannot read or write its store right now: ${(error as Error).message}`, {
    code: 'store_unavailable',
    headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
  });
}

/** The public view of a run: `{ groupId, status, result?, error? }`. */
export function agentGroupView(record: AgentGroupRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { groupId: record.groupId, status: record.status };
  if (record.status === 'completed' && record.result !== undefined) view.result = record.result;
  if (record.status === 'error') view.error = record.error ?? 'the agent group failed';
  return view;
}

function fieldOf(error: InvalidArgumentError): string {
  return error.argument.replace(/^input\.?/, '') || 'body';
}

/**
 * Maps a failed miibo start call to a response. The caller reads a fixed sentence (miibo, the
 * upstream status and code, miibo's request id and this server's `x-request-id`, the same as on the
 * OpenAI doors); the upstream URL and body go to the log only. A caller that went away is 499, and
 * not a provider error.
 */
function startFailure(error: unknown, ctx: AgentGroupRouteContext, requestId: string | undefined): Response {
  if (InvalidArgumentError.isInstance(error) && /^input(\.|$)/.test(error.argument)) {
    const field = fieldOf(error);
    const reason = error.reason.replace(/\binput\./g, '');
    return errorResponse(400, `Invalid field "${field}": ${reason}`, { param: field, code: 'invalid_field' });
  }
  const info = describeGatewayError(error, 'miibo', requestId);
  if (info.status === CLIENT_CLOSED_STATUS) {
    ctx.logger.debug({ reqId: requestId }, 'miibo agent group start cancelled: the caller went away');
    return errorResponse(info.status, info.error.message, { code: 'client_closed' });
  }
  ctx.metrics.countProviderError('miibo', error);
  if (MissingConfigError.isInstance(error)) {
    ctx.logger.error({ err: error, reqId: requestId }, 'miibo agent groups are not configured');
    return errorResponse(500, `The server cannot start agent groups: ${error.message}`, { code: 'missing_config' });
  }
  ctx.logger.warn({ err: error, reqId: requestId }, 'miibo agent group start failed');
  if (!KakehashiError.isInstance(error))
    return errorResponse(500, info.error.message.replace(/^internal error/, 'The agent group could not be started'), {
      code: 'internal_error',
    });
  // Upstream statuses keep this route's codes (`miibo_http_<status>`, or the error kind).
  return errorResponse(info.status, info.error.message, {
    type: 'upstream_error',
    code: ApiCallError.isInstance(error) ? `miibo_http_${error.status}` : error.kind,
    ...(info.headers ? { headers: info.headers } : {}),
  });
}

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const parsed = parseJsonRequestBody(await c.req.text());
  if (parsed.ok) return parsed;
  return {
    ok: false,
    response: errorResponse(400, parsed.message, {
      param: 'body',
      code: parsed.reason === 'too-deep' ? 'json_too_deep' : 'invalid_json',
    }),
  };
}

function parseWait(raw: string | undefined, max: number): number | Response {
  if (raw === undefined || raw === '') return 0;
  const seconds = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !Number.isFinite(seconds)) {
    return errorResponse(
      400,
      `Invalid query parameter "wait": must be a number of seconds from 0 to ${max} (got "${raw}")`,
      { param: 'wait', code: 'invalid_parameter' },
    );
  }
  return Math.min(seconds, max);
}

/**
 * Mounts the miibo agent group routes: `POST /v1/agent-groups` (start, with this server as the result
 * webhook), `GET /v1/agent-groups/:groupId[?wait=s]` (status, long-polling for a final one) and
 * `POST /webhooks/miibo/agent-groups` (the result webhook, secret-checked and idempotent).
 */
export function mountAgentGroupRoutes(app: Hono, ctx: AgentGroupRouteContext): void {
  // Start calls in flight, and a wake-up when one is recorded (for webhooks that beat their start).
  let startsInFlight = 0;
  const startsRecorded = new EventEmitter();
  startsRecorded.setMaxListeners(0);

  /** Waits (bounded) for `groupId`'s start to be recorded; resolves whether it now is. */
  async function startRecorded(store: AgentGroupStore, groupId: string): Promise<boolean> {
    const shared = store.kind === 'postgres';
    const deadline = Date.now() + (startsInFlight > 0 ? START_GRACE_MS.inFlight : shared ? START_GRACE_MS.shared : 0);
    while (Date.now() < deadline && !ctx.shutdownSignal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          startsRecorded.off('recorded', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(shared ? 200 : 1000, Math.max(0, deadline - Date.now())));
        startsRecorded.on('recorded', done);
      });
      if ((await store.get(groupId)) !== undefined) return true;
      if (startsInFlight === 0 && !shared) return false;
    }
    return false;
  }

  app.post(AGENT_GROUP_PATHS.start, async (c) => {
    const parsed = await readJson(c);
    if (!parsed.ok) return parsed.response;
    const body = parsed.value;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return errorResponse(400, 'The request body must be a JSON object of miibo agent group start fields.', {
        param: 'body',
        code: 'invalid_field',
      });
    }
    const input = { ...(body as Record<string, unknown>) };
    if ('resultWebhookUrl' in input) {
      return errorResponse(
        400,
        'Invalid field "resultWebhookUrl": the server sets it (results come back to this server; read them with GET /v1/agent-groups/<groupId>)',
        {
          param: 'resultWebhookUrl',
          code: 'invalid_field',
        },
      );
    }
    const given = input.webhookHeaders;
    const headers: Record<string, unknown> = {};
    if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
      for (const [name, value] of Object.entries(given))
        if (name.toLowerCase() !== WEBHOOK_SECRET_HEADER.toLowerCase()) headers[name] = value;
    } else if (given !== undefined) {
      return errorResponse(400, 'Invalid field "webhookHeaders": must map header names to strings', {
        param: 'webhookHeaders',
        code: 'invalid_field',
      });
    }
    headers[WEBHOOK_SECRET_HEADER] = ctx.webhookSecret;
    input.webhookHeaders = headers;
    input.resultWebhookUrl = `${ctx.publicUrl()}${AGENT_GROUP_PATHS.webhook}`;

    // A run whose start cannot be recorded would deliver a result nobody accepts: check the store first.
    let store: AgentGroupStore;
    try {
      store = await ctx.store();
      await store.check();
    } catch (error) {
      return storeFailure(error, ctx, 'start');
    }
    const started = performance.now();
    let response: Awaited<ReturnType<ReturnType<typeof ctx.miibo>['startAgentGroup']>>;
    startsInFlight++;
    try {
      response = await ctx.miibo().startAgentGroup(input as unknown as MiiboAgentGroupStartInput, {
        signal: c.req.raw.signal,
        maxRetryAfterMs: ctx.maxRetryAfterMs,
      });
      ctx.metrics.observeUpstream('miibo', 'agent-group-start', (performance.now() - started) / 1000);
    } catch (error) {
      if (!(InvalidArgumentError.isInstance(error) && /^input(\.|$)/.test(error.argument))) {
        ctx.metrics.observeUpstream('miibo', 'agent-group-start', (performance.now() - started) / 1000, 'error');
      }
      startsInFlight--;
      return startFailure(error, ctx, requestIdOf(c.req.raw));
    }
    try {
      return await recordStarted(store, response);
    } catch (error) {
      return storeFailure(error, ctx, 'start');
    } finally {
      startsInFlight--;
      startsRecorded.emit('recorded');
    }
  });

  async function recordStarted(
    store: AgentGroupStore,
    response: Awaited<ReturnType<MiiboProvider['startAgentGroup']>>,
  ): Promise<Response> {
    const groupId = response.groupId;
    if (typeof groupId !== 'string' || groupId === '') {
      ctx.metrics.countProviderError('miibo', { kind: 'decode' });
      ctx.logger.warn({ status: response.status }, 'miibo agent group start answered without a groupId');
      return errorResponse(502, 'miibo answered the start call without a groupId.', {
        type: 'upstream_error',
        code: 'missing_group_id',
      });
    }
    await store.recordStart(groupId);
    ctx.logger.info({ groupId }, 'agent group started');
    // A synchronous run (isSyncMode) answers with the final payload itself.
    if (response.status === 'completed' || response.status === 'error') {
      const outcome = await store.recordOutcome({
        groupId,
        status: response.status,
        result: response.result,
        ...(typeof response.error === 'string' ? { error: response.error } : {}),
        payloadText: JSON.stringify(response),
      });
      if (outcome.known) return jsonResponse(200, agentGroupView(outcome.record));
    }
    // The state at the start (the result webhook may land any moment now: GET answers it).
    return jsonResponse(200, { groupId, status: 'started' });
  }

  app.get(AGENT_GROUP_PATHS.get, async (c) => {
    const groupId = c.req.param('groupId');
    if (groupId.length > MAX_GROUP_ID_LENGTH)
      return errorResponse(400, 'Invalid group id: too long', { param: 'groupId', code: 'invalid_parameter' });
    if (groupId.includes('\u0000'))
      return errorResponse(400, 'Invalid group id: contains a NUL character', {
        param: 'groupId',
        code: 'invalid_parameter',
      });
    const wait = parseWait(c.req.query('wait'), ctx.maxWaitSeconds);
    if (wait instanceof Response) return wait;
    let record: AgentGroupRecord | undefined;
    try {
      const store = await ctx.store();
      record =
        wait > 0
          ? await store.waitForFinal(groupId, {
              timeoutMs: wait * 1000,
              signal: AbortSignal.any([c.req.raw.signal, ctx.shutdownSignal]),
            })
          : await store.get(groupId);
    } catch (error) {
      return storeFailure(error, ctx, 'get');
    }
    if (record === undefined)
      return errorResponse(404, `No agent group "${groupId}" is known to this server.`, {
        param: 'groupId',
        code: 'agent_group_not_found',
        type: 'not_found_error',
      });
    return jsonResponse(200, agentGroupView(record));
  });

  app.post(AGENT_GROUP_PATHS.webhook, async (c) => {
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    // The depth limit comes first: a body nested thousands deep would verify, then fail every retry.
    const checked = parseJsonRequestBody(new TextDecoder().decode(rawBody));
    if (!checked.ok && checked.reason === 'too-deep')
      return errorResponse(400, checked.message, { param: 'body', code: 'json_too_deep' });
    let webhook: MiiboAgentGroupWebhook;
    try {
      webhook = await verifyAgentGroupWebhook({
        rawBody,
        headers: c.req.raw.headers,
        sharedSecret: { header: WEBHOOK_SECRET_HEADER, value: ctx.webhookSecret },
        ...(ctx.webhookHmacSecret ? { hmacSecret: ctx.webhookHmacSecret } : {}),
      });
    } catch (error) {
      if (MiiboWebhookVerificationError.isInstance(error)) {
        ctx.logger.warn({ check: error.check }, 'agent group webhook rejected');
        return errorResponse(401, error.message, {
          type: 'authentication_error',
          code: `invalid_${error.check.replace('-', '_')}`,
        });
      }
      if (InvalidArgumentError.isInstance(error)) {
        return errorResponse(400, error.message, { param: error.argument, code: 'invalid_webhook_body' });
      }
      throw error;
    }
    const { payload } = webhook;
    if (payload.groupId.length === 0 || payload.groupId.length > MAX_GROUP_ID_LENGTH) {
      return errorResponse(400, 'Invalid field "groupId": must be 1 to 256 characters', {
        param: 'groupId',
        code: 'invalid_webhook_body',
      });
    }
    // No store could ever keep it (PostgreSQL text holds no NUL): refused, not retried forever.
    if (payload.groupId.includes('\u0000')) {
      return errorResponse(400, 'Invalid field "groupId": contains a NUL character', {
        param: 'groupId',
        code: 'invalid_webhook_body',
      });
    }
    if (webhook.type === 'unknown') {
      ctx.logger.info(
        { groupId: payload.groupId, status: payload.status },
        'agent group webhook with a non-final status ignored',
      );
      return jsonResponse(200, { received: true, stored: false });
    }
    // Stored as received: any JSON the sender sent is taken by every store.
    const payloadText = new TextDecoder().decode(rawBody);
    const outcome: AgentGroupOutcome =
      webhook.type === 'completed'
        ? { groupId: payload.groupId, status: 'completed', result: webhook.payload.result, payloadText }
        : {
            groupId: payload.groupId,
            status: 'error',
            error: webhook.payload.error ?? 'the agent group failed',
            payloadText,
          };
    let result: AgentGroupOutcomeResult;
    try {
      const store = await ctx.store();
      result = await store.recordOutcome(outcome);
      if (!result.known && (await startRecorded(store, payload.groupId))) result = await store.recordOutcome(outcome);
    } catch (error) {
      return storeFailure(error, ctx, 'webhook');
    }
    if (!result.known) {
      ctx.logger.warn(
        { groupId: payload.groupId, status: payload.status },
        'agent group webhook for a group this server did not start: not stored',
      );
      return errorResponse(404, `No agent group "${payload.groupId}" was started by this server.`, {
        param: 'groupId',
        code: 'agent_group_unknown',
        type: 'not_found_error',
      });
    }
    const { stored } = result;
    ctx.logger.info(
      { groupId: payload.groupId, status: payload.status, duplicate: !stored },
      stored ? 'agent group result stored' : 'repeated agent group result ignored',
    );
    return jsonResponse(200, { received: true, stored, duplicate: !stored });
  });
}
