/**
 * One signal or several, where any one of them cancels. Passing the list down (instead of combining it
 * with `AbortSignal.any`) lets the receiver listen to each for exactly as long as it works, and costs
 * nothing once it is done: no composite signal stays tied to a long-lived caller's signal.
 */
export type AbortSignals = AbortSignal | readonly AbortSignal[];

/** The signals as a list (empty for none). */
export function signalList(signals: AbortSignals | undefined): readonly AbortSignal[] {
  if (signals === undefined) return [];
  return Array.isArray(signals) ? (signals as readonly AbortSignal[]) : [signals as AbortSignal];
}

/** The first signal of the list that has aborted, if any. */
export function firstAborted(signals: readonly AbortSignal[]): AbortSignal | undefined {
  for (const s of signals) if (s.aborted) return s;
  return undefined;
}
