import type { LanguageModelV4FinishReason, LanguageModelV4Usage } from '@ai-sdk/provider';
import type { AgentFinishReason, AgentUsage } from '@kakehashi/sse-core';

/** Token counts in the AI SDK's shape: totals where the platform reported them, details unknown. */
export function toUsage(usage: AgentUsage | undefined): LanguageModelV4Usage {
  const out: LanguageModelV4Usage = {
    inputTokens: { total: usage?.inputTokens, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: usage?.outputTokens, text: undefined, reasoning: undefined },
  };
  if (usage !== undefined) {
    const raw: Record<string, number> = {};
    if (usage.inputTokens !== undefined) raw.inputTokens = usage.inputTokens;
    if (usage.outputTokens !== undefined) raw.outputTokens = usage.outputTokens;
    if (usage.totalTokens !== undefined) raw.totalTokens = usage.totalTokens;
    out.raw = raw;
  }
  return out;
}

const UNIFIED: ReadonlySet<string> = new Set(['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other']);

/** The platform's finish reason as the AI SDK's: the unified value where it matches one, `other` otherwise; the raw value kept. */
export function toFinishReason(reason: AgentFinishReason): LanguageModelV4FinishReason {
  return { unified: (UNIFIED.has(reason) ? reason : 'other') as LanguageModelV4FinishReason['unified'], raw: reason };
}
