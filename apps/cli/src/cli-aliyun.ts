import { randomUUID } from 'node:crypto';
import { buildArtcToken, createAppServerClient, createIceClient } from '@kakehashi/aliyun-aiagent';
import { lazySecret, readSetting } from '@kakehashi/auth';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-errors';

const USAGE = `kakehashi aliyun rtc-token --user <id> [--channel <id>]
kakehashi aliyun chat-token --user <id> --agent <ai-agent-id> [--region <id>]

With ALIYUN_APPSERVER_URL set, asks that AppServer (as the official clients do; the Authorization
comes from KAKEHASHI_API_KEY). Otherwise works as the AppServer itself: the ARTC token is built
locally from ALIYUN_RTC_APP_ID / ALIYUN_RTC_APP_KEY, the chat token comes from ICE with
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET. Prints JSON; never the keys.
`;

function appServer() {
  const baseURL = process.env.ALIYUN_APPSERVER_URL;
  if (!baseURL) return undefined;
  const key = process.env.KAKEHASHI_API_KEY;
  return createAppServerClient({ baseURL, ...(key ? { authorization: `Bearer ${key}` } : {}) });
}

export async function runAliyun(args: string[], ctx: CliContext): Promise<number> {
  const { values, signal } = ctx;
  const [sub] = args;
  if (values.help || !sub) {
    ctx.stdout.write(USAGE);
    return sub || values.help ? 0 : 2;
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
