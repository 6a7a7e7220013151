/**
 * A platform may rewrite text it has already streamed (miibo's snapshots can). An AI SDK stream can
 * only append, so a rewrite ends the current text part and starts a new one holding the whole
 * rewritten answer, marked `providerMetadata.kakehashi.replace: true`; the part it supersedes is
 * marked `replaced: true` when it ends. These helpers apply that rule to any list of parts: UI
 * message parts (`message.parts` in `useChat`), `streamText`'s `content`, or model messages
 * (where the marks arrive as `providerOptions`). They import nothing, so a browser bundle can use
 * them through `@kakehashi/ai-sdk/ui`.
 */

/** The provider's key in `providerMetadata` and `providerOptions`. */
export const KAKEHASHI_KEY = 'kakehashi';

/** A part as the helpers read it: its type, its text, and its provider metadata or options. */
export interface TextLikePart {
  type: string;
  text?: string;
  providerMetadata?: unknown;
  providerOptions?: unknown;
}

function marks(record: unknown): Record<string, unknown> | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const own = (record as Record<string, unknown>)[KAKEHASHI_KEY];
  return typeof own === 'object' && own !== null ? (own as Record<string, unknown>) : undefined;
}

/** Whether provider metadata (or options) mark a text part as holding the whole answer so far. */
export function isReplacingText(record: unknown): boolean {
  return marks(record)?.replace === true;
}

function replaces(part: TextLikePart): boolean {
  return part.type === 'text' && (isReplacingText(part.providerMetadata) || isReplacingText(part.providerOptions));
}

/**
 * The parts without the text that a later rewrite superseded: every text part before the last part
 * marked `replace` goes; other parts (steps, files, data) stay where they are.
 */
export function withoutReplacedText<P extends TextLikePart>(parts: readonly P[]): P[] {
  let last = -1;
  for (let i = parts.length - 1; i >= 0; i--) {
    if (replaces(parts[i]!)) {
      last = i;
      break;
    }
  }
  if (last <= 0) return [...parts];
  return parts.filter((part, i) => i >= last || part.type !== 'text');
}

/** The answer's text as the platform last stated it: the text parts after any rewrite, joined. */
export function answerText(parts: readonly TextLikePart[]): string {
  let text = '';
  for (const part of parts) {
    if (part.type !== 'text') continue;
    text = replaces(part) ? (part.text ?? '') : text + (part.text ?? '');
  }
  return text;
}
