import { createAgenticStar } from '@kakehashi/agenticstar';
import { createIceClient } from '@kakehashi/aliyun-aiagent';
import { maskSecret } from '@kakehashi/auth';
import { createCodeer } from '@kakehashi/codeer';
import { createMiibo } from '@kakehashi/miibo';
import { ApiCallError } from '@kakehashi/sse-core';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-errors';
import { paint } from './cli-output';

const USAGE = `kakehashi auth check <agenticstar|codeer|miibo|aliyun>

Proves the configured credentials work with one harmless call, and says which key was used
(masked). Never prints a secret.
  agenticstar  obtains a token and reads one page of conversations
  codeer       lists published agents
  miibo        starts a conversation (empty utterance) for the configured agent
  aliyun       signs an ICE call; a signature or key error fails, "instance not found" passes
`;

export async function runAuthCheck(args: string[], ctx: CliContext): Promise<number> {
  const { values, signal } = ctx;
  const [sub, provider] = args;
  if (values.help || sub !== 'check' || !provider) {
    if (values.help) {
      ctx.stdout.write(USAGE);
      return 0;
    }
    throw new UsageError('usage: kakehashi auth check <agenticstar|codeer|miibo|aliyun>');
  }
  let detail: string;
  switch (provider) {
    case 'agenticstar': {
      const client = createAgenticStar();
      await client.getConversationPage({ limit: 1 }, { signal });
      detail = `client ${maskSecret(process.env.AGENTICSTAR_CLIENT_ID ?? '')} at ${client.endpoints().baseURL}`;
      break;
    }
    case 'codeer': {
      const client = createCodeer();
      const agents = await client.agents.list({ signal });
      detail = `key ${maskSecret(process.env.CODEER_API_KEY ?? '')}, ${agents.length} agent(s) visible`;
      break;
    }
    case 'miibo': {
      await createMiibo().startConversation({}, { signal });
      detail = `key ${maskSecret(process.env.MIIBO_API_KEY ?? '')}, agent ${process.env.MIIBO_AGENT_ID ?? '(default)'}`;
      break;
    }
    case 'aliyun': {
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
