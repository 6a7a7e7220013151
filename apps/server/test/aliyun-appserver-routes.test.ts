import {
  ALIYUN_ICE_SIM_AGENT_ID,
  ALIYUN_ICE_SIM_INSTANCE_ID,
  simulatorArtcToken,
  simulatorEnv,
  startAliyunIceSimulator,
  type AliyunIceSimulator,
} from '@kakehashi/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { postJson, startInProcess } from './server-harness';

const KEY = 'appserver-login-key-0001';
const RTC_APP_ID = 'sim-rtc-app-id';
const RTC_APP_KEY = 'sim-rtc-app-key-secret';

let ice: AliyunIceSimulator;
const servers: KakehashiServer[] = [];

beforeAll(async () => {
  ice = await startAliyunIceSimulator();
});
afterAll(async () => {
  await ice.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

function aliyunEnv(): Record<string, string> {
  return {
    ALIYUN_RTC_APP_ID: RTC_APP_ID,
    ALIYUN_RTC_APP_KEY: RTC_APP_KEY,
    ...simulatorEnv({ ice }),
  };
}

async function server(config: Parameters<typeof startInProcess>[0] = {}) {
  const started = await startInProcess({
    apiKeys: [KEY],
    env: aliyunEnv(),
    appServer: { defaultRegion: 'cn-shanghai' },
    ...config,
  });
  servers.push(started.server);
  return started;
}

const base = (url: string) => `${url}/api/v2/aiagent`;

describe('AICall AppServer endpoints', () => {
  it('getRtcAuthToken: flat snake_case JSON, code 200, a valid ARTC token for the effective channel', async () => {
    const { url } = await server();
    const res = await postJson(
      `${base(url)}/getRtcAuthToken`,
      { user_id: 'user_1', channel_id: 'channel-abc' },
      { authorization: `Bearer ${KEY}` },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull(); // no origin named: no CORS
    const body = (await res.json()) as { code: number; rtc_auth_token: string; channel_id: string; timestamp: number };
    expect(body).toEqual({
      code: 200,
      rtc_auth_token: expect.any(String),
      channel_id: 'channel-abc',
      timestamp: expect.any(Number),
    });
    expect(body.rtc_auth_token).toBe(
      simulatorArtcToken({
        appId: RTC_APP_ID,
        appKey: RTC_APP_KEY,
        channelId: 'channel-abc',
        userId: 'user_1',
        timestamp: body.timestamp,
      }).rtcAuthToken,
    );

    // The bare key (as the official web and iOS clients send it) works too; a missing channel gets one.
    const bare = (await (
      await postJson(`${base(url)}/getRtcAuthToken`, { user_id: 'user_2' }, { authorization: KEY })
    ).json()) as { code: number; channel_id: string };
    expect(bare.code).toBe(200);
    expect(bare.channel_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('generateMessageChatToken and describeAIAgentInstance go through the ICE OpenAPI (signed) and answer flat JSON', async () => {
    const { url } = await server();
    const auth = { authorization: `Bearer ${KEY}` };
    const token = (await (
      await postJson(
        `${base(url)}/generateMessageChatToken`,
        { ai_agent_id: ALIYUN_ICE_SIM_AGENT_ID, user_id: 'user_1', expire: 3600 },
        auth,
      )
    ).json()) as Record<string, unknown>;
    expect(token).toMatchObject({
      code: 200,
      app_id: expect.any(String),
      token: expect.any(String),
      app_sign: expect.any(String),
      user_id: 'user_1',
      request_id: expect.any(String),
    });
    expect(ice.calls.at(-1)).toMatchObject({
      action: 'GenerateMessageChatToken',
      params: { AIAgentId: ALIYUN_ICE_SIM_AGENT_ID, UserId: 'user_1' },
    });

    const described = (await (
      await postJson(
        `${base(url)}/describeAIAgentInstance`,
        { user_id: 'user_1', ai_agent_instance_id: ALIYUN_ICE_SIM_INSTANCE_ID },
        auth,
      )
    ).json()) as Record<string, unknown>;
    expect(described).toMatchObject({ code: 200, status: 'Finished', call_log_url: expect.any(String) });
    expect(JSON.parse(described.agent_config as string)).toMatchObject({ Greeting: expect.stringContaining('架け橋') });
    expect(typeof described.runtime_config).toBe('string');
  });

  it('answers HTTP 403 to a missing or wrong key (the clients read it as "login expired"), with CORS headers', async () => {
    const { url } = await server();
    for (const headers of [{}, { authorization: 'Bearer wrong-key' }, { authorization: 'wrong-key' }] as Record<
      string,
      string
    >[]) {
      const res = await postJson(`${base(url)}/getRtcAuthToken`, { user_id: 'user_1' }, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('vary')).toBe('Origin');
    }
    // The /v1 key check does not apply here: a 403, not an OpenAI 401.
    expect((await postJson(`${base(url)}/describeAIAgentInstance`, {}, {})).status).toBe(403);
  });

  it('answers the CORS preflight without auth, for the origins the configuration names', async () => {
    const { url } = await server({
      appServer: { defaultRegion: 'cn-shanghai', cors: { origin: ['https://app.example'] } },
    });
    const res = await fetch(`${base(url)}/generateMessageChatToken`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('business failures come back as HTTP 200 with code != 200, as the official sample does', async () => {
    const { url } = await server();
    ice.platformError(1, { status: 404, code: 'AgentNotFound', message: 'The specified agentId is not found' });
    const res = await postJson(
      `${base(url)}/generateMessageChatToken`,
      { ai_agent_id: 'missing-agent', user_id: 'user_1' },
      { authorization: KEY },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: 404, error_code: 'AgentNotFound', message: expect.any(String) });
    const invalid = (await (await postJson(`${base(url)}/getRtcAuthToken`, {}, { authorization: KEY })).json()) as {
      code: number;
      msg: string;
    };
    expect(invalid.code).toBe(500);
    expect(invalid.msg).toContain('user_id');
  });

  it('an embedding app can plug in its own check', async () => {
    const seen: string[] = [];
    const { url } = await server({
      appServer: {
        defaultRegion: 'cn-shanghai',
        authorize: ({ credential, endpoint }) => {
          seen.push(endpoint);
          return credential === 'session-jwt-ok';
        },
      },
    });
    expect(
      (await postJson(`${base(url)}/getRtcAuthToken`, { user_id: 'u' }, { authorization: 'Bearer session-jwt-ok' }))
        .status,
    ).toBe(200);
    expect(
      (await postJson(`${base(url)}/getRtcAuthToken`, { user_id: 'u' }, { authorization: `Bearer ${KEY}` })).status,
    ).toBe(403);
    expect(seen).toEqual(['getRtcAuthToken', 'getRtcAuthToken']);
  });

  it('without API keys (a loopback-only server) every caller is accepted', async () => {
    const { url } = await server({ apiKeys: [] });
    const res = await postJson(`${base(url)}/getRtcAuthToken`, { user_id: 'u' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { code: number }).code).toBe(200);
  });
});
