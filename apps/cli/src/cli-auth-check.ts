import { maskSecret } from '@kakehashi/auth';
import { ApiCallError } from '@kakehashi/sse-core';
import { type CliContext, envSetting } from './cli-context';
import { UsageError } from './cli-errors';
import { colorFor, paintIf } from './cli-output';

/**
 * `kakehashi auth check <platform>`: one harmless call that proves the credentials work. A chat
 * platform's check is its own (`AgentPlatform.checkCredentials`, loaded with its SDK from the
 * registry); `aliyun`, which is not a chat platform, is checked here.
 */
export async function runAuthCheck(args: string[], ctx: CliContext): Promise<number> {
  const [sub, provider] = args;
  const names = [...ctx.platforms.names, 'aliyun'];
  if (sub !== 'check' || !provider) throw new UsageError(`usage: kakehashi auth check <${names.join('|')}>`);
  let detail: string;
  if (provider === 'aliyun') {
    detail = await checkAliyun(ctx);
  } else if (ctx.platforms.has(provider)) {
    const platform = await ctx.platforms.get(provider);
    if (platform.checkCredentials === undefined) {
      throw new UsageError(`${provider} has no credentials check`);
    }
    detail = (await platform.checkCredentials({ settings: envSetting(ctx), signal: ctx.signal })).detail;
  } else {
    throw new UsageError(`unknown platform "${provider}" for auth check`);
  }
  ctx.stdout.write(
    `${paintIf(colorFor(ctx.stdout, ctx.env), 'green', '✓')} ${provider} credentials work (${detail})\n`,
  );
  return 0;
}

/** Signs one ICE call: a signature or key error fails it, "instance not found" passes. */
async function checkAliyun(ctx: CliContext): Promise<string> {
  const { createIceClient } = await import('@kakehashi/aliyun-aiagent');
  try {
    await createIceClient(envSetting(ctx)).describeAIAgentInstance(
      { instanceId: 'kakehashi-auth-check' },
      { signal: ctx.signal },
    );
  } catch (error) {
    const code = ApiCallError.isInstance(error) ? String(error.code ?? '') : '';
    if (!/NotFound|InvalidParameter|Forbidden\.Resource/i.test(code)) throw error;
  }
  return `AccessKey ${maskSecret(ctx.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '')}`;
}
