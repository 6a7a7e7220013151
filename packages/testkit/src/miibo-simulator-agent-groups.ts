import { createHmac } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { resolveLoopbackHost } from './loopback-host';
import type {
  MiiboSimulatorGroupRun,
  MiiboSimulatorKnobs,
  MiiboSimulatorOptions,
  MiiboWebhookDelivery,
} from './miibo-simulator-options';

const MAX_AGENTS = 5;
const MAX_UTTERANCE = 5000;
const MAX_EMAILS = 5;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Whether `url` is an http URL on a loopback host (the only place the simulator delivers to). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:') return false;
    resolveLoopbackHost(parsed.hostname);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a start body the way miibo documents it; returns the problem (field first) or undefined.
 * Unknown fields are ignored, so a misspelt one shows up as its documented field missing.
 */
export function agentGroupStartProblem(body: unknown): string | undefined {
  if (!isPlainObject(body)) return 'body must be a JSON object';
  if (!isNonEmptyString(body.utterance)) return 'utterance is required';
  if (body.utterance.length > MAX_UTTERANCE) return `utterance must be at most ${MAX_UTTERANCE} characters`;
  if (!isNonEmptyString(body.uid)) return 'uid is required';
  if (!Array.isArray(body.agentIds) || body.agentIds.length === 0) return 'agentIds must list at least one agent';
  if (body.agentIds.length > MAX_AGENTS) return `agentIds must list at most ${MAX_AGENTS} agents`;
  for (const [i, member] of body.agentIds.entries()) {
    if (!isPlainObject(member) || !isNonEmptyString(member.agentId) || !isNonEmptyString(member.apiKey)) {
      return `agentIds[${i}] must be {agentId, apiKey}`;
    }
  }
  for (const field of ['groupName', 'groupMission', 'groupDescription']) {
    if (!isNonEmptyString(body[field])) return `${field} is required`;
  }
  for (const field of ['groupPrompt', 'resultEmailTitle', 'customWebhookBodyTmpl']) {
    if (body[field] !== undefined && typeof body[field] !== 'string') return `${field} must be a string`;
  }
  for (const field of ['sendResultEmail', 'conclusionOnlyMode', 'isSyncMode']) {
    if (body[field] !== undefined && typeof body[field] !== 'boolean') return `${field} must be a boolean`;
  }
  if (body.resultEmails !== undefined) {
    if (!Array.isArray(body.resultEmails) || body.resultEmails.some((e) => typeof e !== 'string' || !EMAIL.test(e))) {
      return 'resultEmails must be e-mail addresses';
    }
    if (body.resultEmails.length > MAX_EMAILS) return `resultEmails must list at most ${MAX_EMAILS} addresses`;
  }
  if (body.sendResultEmail === true && (!Array.isArray(body.resultEmails) || body.resultEmails.length === 0)) {
    return 'resultEmails is required when sendResultEmail is true';
  }
  if (body.webhookHeaders !== undefined) {
    if (!isPlainObject(body.webhookHeaders) || Object.values(body.webhookHeaders).some((v) => typeof v !== 'string')) {
      return 'webhookHeaders must map header names to strings';
    }
  }
  if (body.customParameters !== undefined && !isPlainObject(body.customParameters))
    return 'customParameters must be an object';
  if (body.resultWebhookUrl !== undefined) {
    if (typeof body.resultWebhookUrl !== 'string') return 'resultWebhookUrl must be a string';
    if (!isLoopbackUrl(body.resultWebhookUrl))
      return 'resultWebhookUrl: the simulator only delivers to http://loopback URLs';
  }
  return undefined;
}

/** The default final answer of a group run. */
function defaultGroupAnswer(run: MiiboSimulatorGroupRun): string {
  const count = (run.body.agentIds as unknown[]).length;
  return `「${String(run.body.utterance)}」について、${count}体のエージェントで検討した結論です。まず小さく試し、結果を見て広げることをお勧めします。`;
}

/** The webhook payload of a finished run, shaped as miibo documents it. */
export function agentGroupResultPayload(
  run: MiiboSimulatorGroupRun,
  options: MiiboSimulatorOptions,
  knobs: MiiboSimulatorKnobs,
): Record<string, unknown> {
  const customParameters = isPlainObject(run.body.customParameters)
    ? { customParameters: run.body.customParameters }
    : {};
  const now = new Date().toISOString();
  if (knobs.groupOutcome === 'error') {
    return {
      groupId: run.groupId,
      status: 'error',
      error: 'エージェントの実行中にエラーが発生しました(シミュレーター)',
      ...customParameters,
      errorAt: now,
    };
  }
  const finalResponse =
    options.groupAnswer === undefined
      ? defaultGroupAnswer(run)
      : typeof options.groupAnswer === 'function'
        ? options.groupAnswer(run)
        : options.groupAnswer;
  const members = run.body.agentIds as Array<{ agentId: string }>;
  const interactions = members.map((m, i) => ({
    agentId: m.agentId,
    response: `${i + 1}番目のエージェント(${m.agentId})の意見です。`,
    timestamp: now,
  }));
  const orchestrationResponse =
    run.body.conclusionOnlyMode === true ? { finalResponse } : { finalResponse, interactions };
  return {
    groupId: run.groupId,
    status: 'completed',
    result: { orchestrationResponse },
    ...customParameters,
    completedAt: now,
  };
}

/**
 * POSTs one result to a loopback webhook URL with the run's `webhookHeaders` (and `X-HMAC` when a
 * signing secret is set). Resolves with the delivery record; never rejects.
 */
export function deliverWebhook(
  url: string,
  payload: Record<string, unknown>,
  webhookHeaders: Record<string, string>,
  signingSecret: string | undefined,
  inFlight: Set<ClientRequest>,
): Promise<MiiboWebhookDelivery> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(webhookHeaders)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(body));
  if (signingSecret !== undefined) headers['x-hmac'] = createHmac('sha256', signingSecret).update(body).digest('hex');
  const delivery: MiiboWebhookDelivery = { groupId: String(payload.groupId), url, headers, body };
  if (!isLoopbackUrl(url)) {
    delivery.error = 'not a loopback http URL; the simulator never delivers elsewhere';
    return Promise.resolve(delivery);
  }
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      delivery.status = res.statusCode;
      res.resume();
      res.on('end', () => resolve(delivery));
      res.on('error', () => resolve(delivery));
    });
    inFlight.add(req);
    req.on('close', () => inFlight.delete(req));
    req.on('error', (error) => {
      delivery.error = error.message;
      resolve(delivery);
    });
    req.end(body);
  });
}
