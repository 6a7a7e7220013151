import { maskSecret } from '@kakehashi/auth';
import { ApiCallError } from '@kakehashi/sse-core';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-errors';
import { paint } from './cli-output';

export async function runAuthCheck(args: string[], ctx: CliContext): Promise<number> {
  const { signal } = ctx;
  const [sub, provider] = args;
  if (sub !== 'check' || !provider) {
    throw new UsageError('usage: kakehashi auth check <agenticstar|codeer|miibo|aliyun>');
  }
  let detail: string;
  switch (provider) {
    case 'agenticstar': {
      // Each check loads only its platform's SDK.
      const { createAgenticStar } = await import('@kakehashi/agenticstar');
      const client = createAgenticStar();
      await client.getConversationPage({ limit: 1 }, { signal });
      detail = `client ${maskSecret(process.env.AGENTICSTAR_CLIENT_ID ?? '')} at ${client.endpoints().baseURL}`;
      break;
    }
    case 'codeer': {
      const { createCodeer } = await import('@kakehashi/codeer');
      const client = createCodeer();
      const agents = await client.agents.list({ signal });
      detail = `key ${maskSecret(process.env.CODEER_API_KEY ?? '')}, ${agents.length} agent(s) visible`;
      break;
    }
    case 'miibo': {
      const { createMiibo } = await import('@kakehashi/miibo');
      await createMiibo().startConversation({}, { signal });
      detail = `key ${maskSecret(process.env.MIIBO_API_KEY ?? '')}, agent ${process.env.MIIBO_AGENT_ID ?? '(default)'}`;
      break;
    }
    case 'aliyun': {
      const { createIceClient } = await import('@kakehashi/aliyun-aiagent');
      try {
        await createIceClient().describeAIAgentInstance({ instanceId: 'kakehashi-auth-check' }, { signal });
      } catch (error) {
        const code = ApiCallError.isInstance(error) ? String(error.code ?? '') : '';
        if (!/NotFound|InvalidParameter|Forbidden\.Resource/i.test(code)) throw error;
      }
      detail = `AccessKey ${maskSecret(process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '')}`;
      break;
    }
    default:
      throw new UsageError(`unknown platform "${provider}" for auth check`);
  }
  ctx.stdout.write(`${paint('green', '✓', ctx.stdout)} ${provider} credentials work (${detail})\n`);
  return 0;
}
