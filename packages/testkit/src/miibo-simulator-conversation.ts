import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply, ScriptStep } from './scripted-reply';
import {
  beforeHeadersReply,
  cutEndStep,
  defaultCutIndex,
  truncateSteps,
  truncatedJson,
  writeSteps,
  type SimulatorCut,
  type SimulatorFaults,
} from './simulator-faults';
import {
  DEFAULT_MIIBO_GREETING,
  defaultMiiboAnswer,
  MIIBO_REWRITE_DRAFT,
  type MiiboSimulatorOptions,
  type MiiboSimulatorTurn,
} from './miibo-simulator-options';

/** A JSON error reply (miibo documents no error body; this one is plain `{ "error": … }`). */
export function miiboErrorReply(status: number, message: string, headers: Record<string, string> = {}): ScriptedReply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify({ error: message }),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Conversation state kept per agent and uid (miibo's "user state"). */
export type MiiboUserStates = Map<string, Record<string, string>>;

/**
 * Answers `POST /api` as miibo does: validates the body, then either one whole JSON response or
 * (with `stream: true` and the agent's streaming on) newline-separated cumulative snapshots ending
 * with the whole response object. `options` are the ones in force; `faults` shape the stream.
 */
export function miiboConversationReply(
  request: RecordedRequest,
  options: MiiboSimulatorOptions,
  states: MiiboUserStates,
  faults: SimulatorFaults,
): ScriptedReply {
  const knobs = options;
  let body: unknown;
  try {
    body = request.json();
  } catch {
    return miiboErrorReply(400, 'Bad Request: body is not JSON');
  }
  if (!isPlainObject(body)) return miiboErrorReply(400, 'Bad Request: body must be a JSON object');
  const apiKey = body.api_key;
  if (typeof apiKey !== 'string' || apiKey === '') return miiboErrorReply(401, 'Unauthorized: api_key is required');
  // miibo documents no error body. This one echoes the rejected key on purpose, so tests can prove
  // that clients redact it from their errors.
  if (options.apiKey !== undefined && apiKey !== options.apiKey)
    return miiboErrorReply(401, `Unauthorized: invalid api_key ${apiKey}`);
  const agentId = body.agent_id;
  if (typeof agentId !== 'string' || agentId === '') return miiboErrorReply(400, 'Bad Request: agent_id is required');
  if (options.agentId !== undefined && agentId !== options.agentId)
    return miiboErrorReply(401, 'Unauthorized: unknown agent_id');
  if (typeof body.utterance !== 'string') return miiboErrorReply(400, 'Bad Request: utterance must be a string');
  if (body.uid !== undefined && typeof body.uid !== 'string')
    return miiboErrorReply(400, 'Bad Request: uid must be a string');
  if (body.state !== undefined) {
    if (!isPlainObject(body.state) || Object.values(body.state).some((v) => typeof v !== 'string')) {
      return miiboErrorReply(400, 'Bad Request: state values must be strings');
    }
  }
  if (body.base64_image !== undefined) {
    if (typeof body.base64_image !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body.base64_image)) {
      return miiboErrorReply(400, 'Bad Request: base64_image must be bare base64 (no data: prefix)');
    }
  }
  for (const flag of ['stream', 'disable_ai_response', 'disable_history']) {
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
      return miiboErrorReply(400, `Bad Request: ${flag} must be a boolean`);
  }

  const uid = typeof body.uid === 'string' ? body.uid : undefined;
  const turn: MiiboSimulatorTurn = { utterance: body.utterance, uid, agentId, body };
  let userState: Record<string, string> = {};
  if (uid !== undefined) {
    const key = `${agentId}\u0000${uid}`;
    userState = { ...states.get(key), ...(body.state as Record<string, string> | undefined) };
    states.set(key, userState);
  }

  let snapshots: string[];
  if (body.disable_ai_response === true) snapshots = [''];
  else if (body.utterance === '')
    snapshots = growing(options.greeting ?? DEFAULT_MIIBO_GREETING, options.snapshotChars ?? 4);
  else if (options.snapshots !== undefined)
    snapshots = typeof options.snapshots === 'function' ? options.snapshots(turn) : [...options.snapshots];
  else {
    const answer =
      options.answer === undefined
        ? defaultMiiboAnswer(turn)
        : typeof options.answer === 'function'
          ? options.answer(turn)
          : options.answer;
    snapshots = growing(answer, options.snapshotChars ?? 4);
  }
  if (snapshots.length === 0) snapshots = [''];
  const finalText = snapshots[snapshots.length - 1]!;
  const final = {
    utterance: body.utterance,
    bestResponse: {
      utterance: finalText,
      score: 0.92,
      options: [],
      topic: '',
      imageUrl: '',
      url: '',
      isAutoResponse: true,
      extensions: null,
      shouldSelectOption: false,
      state: '',
      embededHtml: '',
    },
    avatarIconUrl: 'https://example.invalid/miibo-simulator-avatar.png',
    userState,
    ...(knobs.isError === true ? { isError: true } : {}),
  };

  const streaming = body.stream === true && knobs.streaming !== false;
  if (!streaming) {
    const whole = JSON.stringify(final);
    return {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: faults.split === undefined ? whole : writeSteps(whole, faults.split),
    };
  }
  const cut = faults.takeCut();
  if (cut?.beforeHeaders) return beforeHeadersReply(cut);

  const objects: string[] = [];
  if (knobs.rewrite === true) {
    for (const draft of growing(MIIBO_REWRITE_DRAFT, options.snapshotChars ?? 4)) {
      objects.push(JSON.stringify({ bestResponse: { utterance: draft, is_searching: true } }));
    }
  }
  for (const text of snapshots.slice(0, -1))
    objects.push(JSON.stringify({ bestResponse: { utterance: text, is_searching: false } }));
  if (knobs.endWithoutFinal === true)
    objects.push(JSON.stringify({ bestResponse: { utterance: finalText, is_searching: false } }));
  else objects.push(JSON.stringify(final));

  return {
    headers: { 'content-type': knobs.dataPrefix ? 'text/event-stream; charset=utf-8' : 'text/plain; charset=utf-8' },
    body: streamSteps(objects, knobs, {
      cut,
      malformed: faults.takeMalformed(),
      malformedObject: truncatedJson({ bestResponse: { utterance: '途中で切れたJSON', is_searching: false } }),
      split: faults.split,
    }),
  };
}

/** The answer cut into growing prefixes of `step` characters (code points), the whole text last. */
function growing(text: string, step: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  const size = Math.max(1, Math.floor(step));
  for (let end = size; end < chars.length; end += size) out.push(chars.slice(0, end).join(''));
  out.push(text);
  return out;
}

/**
 * Lays the objects out as script steps: framing, grouping, pauses, `split`, and the faults: a `stall` /
 * `cut` after some objects (default: after the first) or bytes, a `malformedJson` object.
 */
function streamSteps(
  objects: string[],
  knobs: MiiboSimulatorOptions,
  faults: {
    cut: SimulatorCut | undefined;
    malformed: { afterEvents: number | undefined } | false;
    malformedObject: string;
    split: number | undefined;
  },
): ScriptStep[] {
  const { cut, malformed, split } = faults;
  const frame = (json: string) => (knobs.dataPrefix ? `data: ${json}\n\n` : `${json}\n`);
  const fallback = defaultCutIndex(objects.map(() => true));
  const cutAt = cut !== undefined && cut.afterBytes === undefined ? (cut.afterEvents ?? fallback) : undefined;
  const sent = cutAt === undefined ? [...objects] : objects.slice(0, cutAt);
  if (malformed !== false) {
    const badAt = malformed.afterEvents ?? fallback;
    if (badAt < sent.length || (cutAt === undefined && badAt >= sent.length))
      sent.splice(Math.min(badAt, sent.length), 0, faults.malformedObject);
  }
  const perWrite = Math.max(1, Math.floor(knobs.objectsPerWrite ?? 1));
  const delay = knobs.eventDelayMs ?? knobs.writeDelayMs ?? 0;
  const steps: ScriptStep[] = [];
  for (let i = 0; i < sent.length; i += perWrite) {
    const write = sent
      .slice(i, i + perWrite)
      .map(frame)
      .join('');
    if (i > 0 && delay > 0) steps.push({ wait: delay });
    steps.push(...writeSteps(write, split));
  }
  const end = cut === undefined ? undefined : cutEndStep(cut);
  if (cut?.afterBytes !== undefined) return truncateSteps(steps, cut.afterBytes, end);
  if (end) steps.push(end);
  return steps;
}
