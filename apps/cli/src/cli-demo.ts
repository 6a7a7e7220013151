import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppServerClient } from '@kakehashi/aliyun-aiagent';
import { createKakehashiServer, serverConfigFromEnv } from '@kakehashi/server';
import { httpRequest } from '@kakehashi/sse-core';
import {
  simulatorEnv,
  startAgenticStarSimulator,
  startAliyunIceSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
} from '@kakehashi/testkit';
import { createAgentDirectory } from '@kakehashi/platforms';
import { openAgent } from './cli-agent';
import { runChatTurn } from './cli-chat';
import type { CliContext } from './cli-context';
import { colorFor, paintIf } from './cli-output';

const GATEWAY_KEY = 'demo-gateway-key-0001';

/** What the demo asks each platform it has a simulator for. */
const QUESTIONS: Readonly<Record<string, string>> = {
  agenticstar: '来週の出張の経費精算の手順を教えてください。',
  codeer: '請求書の締め日はいつですか？',
  miibo: 'おすすめの東京観光スポットは？',
};

/**
 * `kakehashi demo`: every platform on the built-in simulators, with no credentials and no network.
 * Starts the testkit simulators and the gateway in this process, points the SDKs at them through the
 * documented environment variables, and walks through a streamed chat per platform, the same through
 * the OpenAI-compatible gateway, an AICall AppServer token, and a miibo agent group whose result
 * arrives by webhook.
 */
export async function runDemo(ctx: CliContext): Promise<void> {
  const { signal, stdout } = ctx;
  const color = colorFor(stdout, ctx.env);
  const heading = (text: string) => stdout.write(`\n${paintIf(color, ['bold', 'cyan'], `▌ ${text}`)}\n`);
  const note = (text: string) => stdout.write(`${paintIf(color, 'dim', text)}\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'kakehashi-demo-'));
  const agenticstar = await startAgenticStarSimulator({ heartbeatIntervalMs: 200 });
  const codeer = await startCodeerSimulator();
  const miibo = await startMiiboSimulator({
    apiKey: 'demo-miibo-key-0001',
    agentId: 'demo-miibo-agent',
    adminApiKey: 'demo-miibo-admin-0001',
    webhookDelayMs: 300,
  });
  const ice = await startAliyunIceSimulator();
  // The simulators' settings, handed to the platforms and the gateway as their environment (the
  // process's own is left alone). DATABASE_URL is dropped: the demo's gateway keeps a SQLite file.
  const { DATABASE_URL: _database, ...inherited } = ctx.env;
  const env: Record<string, string | undefined> = {
    ...inherited,
    ...simulatorEnv({ agenticstar, codeer, miibo, ice }),
    ALIYUN_RTC_APP_ID: 'demo-rtc-app',
    ALIYUN_RTC_APP_KEY: 'demo-rtc-app-key-0001',
    KAKEHASHI_API_KEYS: GATEWAY_KEY,
    KAKEHASHI_SQLITE_PATH: join(dataDir, 'kakehashi.sqlite'),
  };
  const server = createKakehashiServer({
    ...serverConfigFromEnv(env),
    host: '127.0.0.1',
    port: 0,
    logger: false,
  });
  const { url: gateway } = await server.listen();
  const auth = { authorization: `Bearer ${GATEWAY_KEY}` };

  try {
    note(`simulators: AgenticStar ${agenticstar.url}, Codeer ${codeer.url}, miibo ${miibo.url}, ICE ${ice.url}`);
    note(`gateway:    ${gateway} (kakehashi-server, in this process)`);

    // Every registered platform the demo has a simulator for, through the agent contract.
    const directory = createAgentDirectory({ platforms: ctx.platforms, env });
    for (const platform of ctx.platforms.names) {
      const question = QUESTIONS[platform];
      if (question === undefined) continue;
      heading(`${platform}: streamed chat through @kakehashi/${platform}`);
      note(`> ${question}`);
      const agent = await openAgent(directory, platform, {});
      await runChatTurn(
        agent,
        { messages: [{ role: 'user', content: question }] },
        { json: ctx.values.json ?? false, stdout, stderr: ctx.stderr, signal, env },
      );
    }

    heading('gateway: OpenAI Chat Completions (stream) → codeer');
    const res = await httpRequest({
      url: `${gateway}/v1/chat/completions`,
      headers: auth,
      body: {
        json: {
          model: `codeer/${codeer.agentId}`,
          stream: true,
          messages: [{ role: 'user', content: '営業時間を教えてください' }],
        },
      },
      signal,
    });
    let chunks = 0;
    for await (const message of res.sseJson<{ choices?: { delta?: { content?: string } }[] }>()) {
      if (message.done) break;
      chunks++;
      stdout.write(message.data.choices?.[0]?.delta?.content ?? '');
    }
    stdout.write('\n');
    note(`(${chunks} chat.completion.chunk events, then [DONE])`);

    heading('AICall AppServer: getRtcAuthToken through the gateway');
    const appServer = createAppServerClient({ baseURL: gateway, authorization: `Bearer ${GATEWAY_KEY}` });
    const rtc = await appServer.getRtcAuthToken({ userId: 'demo-user' }, { signal });
    note(`channel ${rtc.channelId}, token expires ${new Date((rtc.timestamp ?? 0) * 1000).toISOString()}`);
    stdout.write(`rtc_auth_token: ${rtc.rtcAuthToken.slice(0, 48)}…\n`);

    heading('miibo agent group: started through the gateway, result by webhook');
    const started = await (
      await httpRequest({
        url: `${gateway}/v1/agent-groups`,
        headers: auth,
        body: {
          json: {
            utterance: '新商品のキャッチコピーを三案ください',
            uid: 'demo-user',
            agentIds: [
              { agentId: 'demo-copywriter', apiKey: 'demo-member-key-0001' },
              { agentId: 'demo-reviewer', apiKey: 'demo-member-key-0002' },
            ],
            groupName: 'コピー会議',
            groupMission: '新商品のキャッチコピーを決める',
            groupDescription: 'コピーライターとレビュアーの二人組',
          },
        },
        read: 'buffer',
        signal,
      })
    ).json<{ groupId: string; status: string }>();
    note(`group ${started.groupId}: ${started.status}; waiting for the webhook…`);
    const final = await (
      await httpRequest({
        url: `${gateway}/v1/agent-groups/${started.groupId}`,
        query: { wait: 10 },
        headers: auth,
        read: 'buffer',
        signal,
      })
    ).json<{ status: string; result?: unknown }>();
    stdout.write(`status: ${final.status}\n${JSON.stringify(final.result, null, 2)}\n`);
    heading('done — no credentials used, no network reached');
  } finally {
    await server.close(1_000);
    await Promise.all([agenticstar.close(), codeer.close(), miibo.close(), ice.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
