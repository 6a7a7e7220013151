import { lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { checkOptions, type CodeerContext } from './codeer-context';
import type { CodeerRequestOptions } from './codeer-request-options';
import { codeerAgentSchema, parseResponseData, type CodeerAgent } from './codeer-response-schemas';

/** The agents usable through the API. */
export interface CodeerAgents {
  /** `GET /chats/published-agents`: every published agent of the workspace (not paginated). */
  list(options?: CodeerRequestOptions): Promise<CodeerAgent[]>;
}

const agentListSchema = lazySchema(() => z.array(codeerAgentSchema));

export function createCodeerAgents(ctx: CodeerContext): CodeerAgents {
  return {
    async list(options) {
      const opts = checkOptions(options);
      const { data, url } = await ctx.http.envelope({ method: 'GET', path: '/chats/published-agents' }, opts);
      return parseResponseData(agentListSchema, data, 'published agent list', url);
    },
  };
}
