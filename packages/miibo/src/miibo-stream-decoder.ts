import { byteChunks, decodeLines, flattenBatches, ResponseDecodeError, type ByteSource } from '@kakehashi/sse-core';
import { isMiiboResponse, isSearching, type MiiboResponse } from './miibo-response';
import type { MiiboStreamEvent } from './miibo-stream-events';

/**
 * Which last object counts as the final answer.
 *
 * - `full-response` (default): the last object must look like a whole response — it carries the
 *   echoed top-level `utterance`, as miibo's documented final object does (streamed snapshots carry
 *   only `bestResponse`). A stream that ends after a bare snapshot is treated as cut.
 * - `last`: any last response object counts (use if miibo ever drops the echo from the final object).
 *
 * In both modes a last object still marked `is_searching: true` is not final.
 */
export type MiiboFinalObjectRule = 'full-response' | 'last';

/** Options of {@link decodeMiiboStream}. */
export interface MiiboDecodeOptions {
  /** Most characters in one line (and in a pretty-printed single body); more throws `ResponseDecodeError` (`buffer-overflow`). Default 4 MiB. */
  maxLineLength?: number;
  /** Which last object counts as the final answer. Default `full-response`. */
  finalObject?: MiiboFinalObjectRule;
}

const DEFAULT_MAX_LINE = 4 * 1024 * 1024;
const OPEN_BRACE = 123; // {
const OPEN_BRACKET = 91; // [

/**
 * Decodes a miibo conversation body into typed events: one `snapshot` per response object, then
 * `final` when the body ended properly and its last object is a complete response.
 *
 * Handles newline-separated JSON objects (several in one chunk, one split across chunks, `\r\n`), an
 * optional `data:` prefix, SSE noise (blank, `:` comment, `event:`/`id:`/`retry:` lines, `[DONE]`),
 * and a single plain JSON body (the agent's streaming setting off), even pretty-printed over several
 * lines. The content type is not consulted: the body is sniffed. Malformed JSON throws
 * `ResponseDecodeError` after every event before it has been delivered.
 */
export function decodeMiiboStream(
  bytes: ByteSource,
  options: MiiboDecodeOptions = {},
): AsyncIterableIterator<MiiboStreamEvent> & AsyncDisposable {
  return flattenBatches(miiboEventBatches(byteChunks(bytes), options));
}

/** The decoder's batch form (one batch per network chunk), shared with the AgentEvent layer. */
export async function* miiboEventBatches(
  chunks: AsyncIterable<Uint8Array>,
  options: MiiboDecodeOptions = {},
): AsyncGenerator<MiiboStreamEvent[], void, undefined> {
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE;
  const rule = options.finalObject ?? 'full-response';
  let last: MiiboResponse | undefined;
  let lastWasResponse = false;
  let seenValue = false;
  // Set when the first object does not parse line by line: the body is one JSON value over several lines.
  let whole: string[] | undefined;
  let wholeLength = 0;

  for await (const lines of decodeLines(chunks, maxLineLength)) {
    let out: MiiboStreamEvent[] | undefined;
    for (const raw of lines) {
      if (whole !== undefined) {
        wholeLength += raw.length + 1;
        if (wholeLength > maxLineLength) throw overflow(maxLineLength);
        whole.push(raw);
        continue;
      }
      const line = payloadOf(raw);
      if (line === undefined) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (cause) {
        if (!seenValue && line.charCodeAt(0) === OPEN_BRACE) {
          whole = [raw];
          wholeLength = raw.length;
          continue;
        }
        if (out) yield out;
        throw new ResponseDecodeError('invalid-json', 'Malformed JSON line in miibo stream', { excerpt: line, cause });
      }
      seenValue = true;
      const event = toEvent(value);
      lastWasResponse = event.type === 'snapshot';
      if (event.type === 'snapshot') last = event.response;
      out ??= [];
      out.push(event);
    }
    if (out) yield out;
  }

  if (whole !== undefined) {
    const text = whole.join('\n');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new ResponseDecodeError('invalid-json', 'miibo response body is not valid JSON (cut short?)', {
        excerpt: text,
        cause,
      });
    }
    const event = toEvent(value);
    lastWasResponse = event.type === 'snapshot';
    if (event.type === 'snapshot') last = event.response;
    const out: MiiboStreamEvent[] = [event];
    if (lastWasResponse && last && isFinal(last, rule)) out.push(finalOf(last));
    yield out;
    return;
  }
  if (lastWasResponse && last && isFinal(last, rule)) yield [finalOf(last)];
}

/** The JSON text of a line, or undefined for lines that carry none (blank, comments, SSE fields, `[DONE]`). */
function payloadOf(raw: string): string | undefined {
  const first = raw.charCodeAt(0);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) return raw;
  let line = raw.trim();
  if (line.startsWith('data:')) line = line.slice(5).trim();
  if (line === '' || line === '[DONE]' || line.charCodeAt(0) === 58 /* : */) return undefined;
  if (line.startsWith('event:') || line.startsWith('id:') || line.startsWith('retry:')) return undefined;
  return line;
}

function toEvent(value: unknown): MiiboStreamEvent {
  if (isMiiboResponse(value))
    return { type: 'snapshot', text: value.bestResponse.utterance, searching: isSearching(value), response: value };
  return { type: 'unknown', raw: value };
}

function isFinal(response: MiiboResponse, rule: MiiboFinalObjectRule): boolean {
  if (isSearching(response)) return false;
  return rule === 'last' || typeof response.utterance === 'string';
}

function finalOf(response: MiiboResponse): MiiboStreamEvent {
  return { type: 'final', text: response.bestResponse.utterance, response, isError: response.isError === true };
}

function overflow(max: number): ResponseDecodeError {
  return new ResponseDecodeError('buffer-overflow', `miibo response body is longer than ${max} characters`);
}
