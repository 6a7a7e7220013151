import { randomUUID } from 'node:crypto';
import { buildArtcToken, createAppServerClient, createIceClient } from '@kakehashi/aliyun-aiagent';
import { lazySecret, readSetting } from '@kakehashi/auth';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-errors';
import { ALIYUN_HELP } from './cli-help';

function appServer() {
  const baseURL = process.env.ALIYUN_APPSERVER_URL;
  if (!baseURL) return undefined;
  const key = process.env.KAKEHASHI_API_KEY;
  return createAppServerClient({ baseURL, ...(key ? { authorization: `Bearer ${key}` } : {}) });
}

export async function runAliyun(args: string[], ctx: CliContext): Promise<number> {
  const { values, signal } = ctx;
  const [sub] = args;
  if (!sub) {
    ctx.stdout.write(ALIYUN_HELP);
    return 2;
  }
  const userId = values.user;
  if (!userId) throw new UsageError(`aliyun ${sub} needs --user <id>`);
  let out: unknown;
  if (sub === 'rtc-token') {
    const client = appServer();
    if (client) {
      const t = await client.getRtcAuthToken(
        { userId, ...(values.channel ? { channelId: values.channel } : {}) },
        { signal },
      );
      out = { rtcAuthToken: t.rtcAuthToken, channelId: t.channelId, timestamp: t.timestamp };
    } else {
      const appId = readSetting({ env: 'ALIYUN_RTC_APP_ID', setting: 'rtcAppId' });
      const appKey = lazySecret({ env: 'ALIYUN_RTC_APP_KEY', setting: 'rtcAppKey' })();
      const channelId = values.channel ?? `kk-${randomUUID().slice(0, 8)}`;
      const t = buildArtcToken({ appId, appKey, channelId, userId });
      out = { rtcAuthToken: t.rtcAuthToken, channelId, timestamp: t.timestamp };
    }
  } else if (sub === 'chat-token') {
    const aiAgentId = values.agent;
    if (!aiAgentId) throw new UsageError('aliyun chat-token needs --agent <ai-agent-id>');
    const client = appServer();
    out = client
      ? await client.generateMessageChatToken(
          { aiAgentId, userId, ...(values.region ? { region: values.region } : {}) },
          { signal },
        )
      : await createIceClient(values.region ? { region: values.region } : {}).generateMessageChatToken(
          { aiAgentId, userId },
          { signal },
        );
    if (out && typeof out === 'object' && 'raw' in out) {
      const { raw: _raw, ...rest } = out as Record<string, unknown>;
      out = rest;
    }
  } else {
    throw new UsageError(`unknown aliyun command "${sub}" (rtc-token, chat-token)`);
  }
  ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
