import { afterEach, describe, expect, it } from 'vitest';
import {
  ALIYUN_APPSERVER_SIM_AUTHORIZATION,
  ALIYUN_APPSERVER_SIM_BASE_PATH,
  MIIBO_SIM_ADMIN_API_KEY,
  MIIBO_SIM_AGENT_ID,
  MIIBO_SIM_API_KEY,
  simulatorEnv,
  startAgenticStarSimulator,
  startAliyunAppServerSimulator,
  startAliyunIceSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
} from '../src/index';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function started<T extends { close(): Promise<void> }>(sim: Promise<T>): Promise<T> {
  const s = await sim;
  closers.push(() => s.close());
  return s;
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('simulatorEnv', () => {
  it('gives each simulator its documented variables, and the simulators accept what they say', async () => {
    const agenticstar = await started(
      startAgenticStarSimulator({ clientId: 'env-client', clientSecret: 'env-secret' }),
    );
    const codeer = await started(startCodeerSimulator({ apiKey: 'sk-env-key-0001' }));
    const miibo = await started(startMiiboSimulator({ apiKey: 'env-miibo-key', agentId: 'env-agent' }));
    const ice = await started(startAliyunIceSimulator({ accessKeyId: 'LTAIenv', accessKeySecret: 'env-ice-secret' }));
    const appServer = await started(startAliyunAppServerSimulator());

    const env = simulatorEnv({ agenticstar, codeer, miibo, ice, appServer });
    expect(env).toEqual({
      AGENTICSTAR_BASE_URL: agenticstar.url,
      AGENTICSTAR_TOKEN_URL: agenticstar.tokenUrl,
      AGENTICSTAR_CLIENT_ID: 'env-client',
      AGENTICSTAR_CLIENT_SECRET: 'env-secret',
      AGENTICSTAR_EDITION: 'saas',
      CODEER_BASE_URL: codeer.url,
      CODEER_API_KEY: 'sk-env-key-0001',
      CODEER_AGENT_ID: codeer.agentId,
      MIIBO_BASE_URL: miibo.url,
      MIIBO_API_KEY: 'env-miibo-key',
      MIIBO_AGENT_ID: 'env-agent',
      MIIBO_ADMIN_API_KEY: MIIBO_SIM_ADMIN_API_KEY,
      ALIYUN_ICE_ENDPOINT: ice.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenv',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-ice-secret',
      ALIYUN_APPSERVER_URL: appServer.url,
    });

    const token = await fetch(env.AGENTICSTAR_TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: env.AGENTICSTAR_CLIENT_ID,
        client_secret: env.AGENTICSTAR_CLIENT_SECRET,
      }),
    });
    expect(token.status).toBe(200);

    const agents = await fetch(`${env.CODEER_BASE_URL}/chats/published-agents`, {
      headers: { 'x-api-key': env.CODEER_API_KEY },
    });
    expect(agents.status).toBe(200);
    expect(JSON.stringify(await agents.json())).toContain(env.CODEER_AGENT_ID);

    const answer = await postJson(`${env.MIIBO_BASE_URL}/api`, {
      api_key: env.MIIBO_API_KEY,
      agent_id: env.MIIBO_AGENT_ID,
      utterance: 'こんにちは',
    });
    expect(answer.status).toBe(200);

    const rtc = await postJson(
      `${env.ALIYUN_APPSERVER_URL}${ALIYUN_APPSERVER_SIM_BASE_PATH}/getRtcAuthToken`,
      { user_id: 'envUser' },
      { authorization: ALIYUN_APPSERVER_SIM_AUTHORIZATION },
    );
    expect(((await rtc.json()) as { code: number }).code).toBe(200);
  });

  it('sets only the variables of the simulators given', async () => {
    const codeer = await started(startCodeerSimulator());
    expect(Object.keys(simulatorEnv({ codeer })).sort()).toEqual([
      'CODEER_AGENT_ID',
      'CODEER_API_KEY',
      'CODEER_BASE_URL',
    ]);
    expect(simulatorEnv({})).toEqual({});
  });

  it('a miibo simulator that accepts any key reports the defaults, which it accepts; configure() is followed', async () => {
    const miibo = await started(startMiiboSimulator());
    expect(simulatorEnv({ miibo })).toMatchObject({
      MIIBO_API_KEY: MIIBO_SIM_API_KEY,
      MIIBO_AGENT_ID: MIIBO_SIM_AGENT_ID,
      MIIBO_ADMIN_API_KEY: MIIBO_SIM_ADMIN_API_KEY,
    });
    const env = simulatorEnv({ miibo });
    const answer = await postJson(`${env.MIIBO_BASE_URL}/api`, {
      api_key: env.MIIBO_API_KEY,
      agent_id: env.MIIBO_AGENT_ID,
      utterance: 'はい',
    });
    expect(answer.status).toBe(200);
    miibo.configure({ apiKey: 'changed-key' });
    expect(simulatorEnv({ miibo }).MIIBO_API_KEY).toBe('changed-key');
  });

  it('an unknown simulator name is refused, naming it and the allowed ones', () => {
    expect(() => simulatorEnv({ codder: {} } as never)).toThrow(
      'testkit: simulatorEnv: unknown simulator "codder" (allowed: agenticstar, codeer, miibo, ice, appServer)',
    );
    expect(() => simulatorEnv(null as never)).toThrow(TypeError);
  });
});
