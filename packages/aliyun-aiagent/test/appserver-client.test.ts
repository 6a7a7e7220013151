import {
  AbortError,
  ApiCallError,
  InvalidArgumentError,
  MissingConfigError,
  ResponseDecodeError,
  TimeoutError,
} from '@kakehashi/sse-core';
import {
  ALIYUN_APPSERVER_SIM_AUTHORIZATION,
  ALIYUN_ICE_SIM_INSTANCE_ID,
  startAliyunAppServerSimulator,
  startAliyunIceSimulator,
  startScriptedServer,
  type AliyunAppServerSimulator,
  type AliyunIceSimulator,
} from '@kakehashi/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTH_EXPIRED_CODE,
  createAppServerClient,
  createAppServerHandler,
  createIceClient,
  isAuthExpiredError,
  type AppServerClientSettings,
} from '../src/index';
import { caught, expectNoSecret, serveHandler, type ServedHandler } from './helpers';

const API_KEY = 'kk-client-test-key-abcdef';

describe('round trip: client → createAppServerHandler → ICE simulator', () => {
  let ice: AliyunIceSimulator;
  let served: ServedHandler;
  beforeEach(async () => {
    ice = await startAliyunIceSimulator();
    served = await serveHandler(
      createAppServerHandler({
        rtcAppId: 'rt-app',
        rtcAppKey: 'rt-app-key-secret',
        apiKeys: [API_KEY],
        ice: createIceClient({
          endpoint: ice.url,
          accessKeyId: ice.accessKeyId,
          accessKeySecret: ice.accessKeySecret,
          env: {},
          maxRetries: 0,
        }),
        env: {},
      }),
    );
  });
  afterEach(async () => {
    await served.close();
    await ice.close();
  });
  const client = (extra: AppServerClientSettings = {}) =>
    createAppServerClient({ baseURL: served.url, authorization: API_KEY, env: {}, ...extra });

  it('all three endpoints', async () => {
    const c = client();
    const rtc = await c.getRtcAuthToken({ userId: 'user_1' });
    expect(rtc.channelId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(Buffer.from(rtc.rtcAuthToken, 'base64').toString('utf8'))).toMatchObject({
      appid: 'rt-app',
      userid: 'user_1',
      channelid: rtc.channelId,
    });
    expect(rtc.raw.code).toBe(200);

    const chat = await c.generateMessageChatToken({
      aiAgentId: 'agent-1',
      userId: 'user_1',
      role: 'admin',
      expire: 3600,
      region: 'cn-shanghai',
    });
    expect(chat).toMatchObject({ appId: 'sim-im-app-id', userId: 'user_1', role: 'admin' });
    expect(chat.appSign && chat.token && chat.requestId).toBeTruthy();

    const info = await c.describeAIAgentInstance({ userId: 'user_1', aiAgentInstanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(info.status).toBe('Finished');
    expect(JSON.parse(info.agentConfig!)).toMatchObject({ Greeting: 'こんにちは、架け橋のデモです。ご用件をどうぞ。' });
  });

  it('code ≠ 200 in a 200 body throws ApiCallError carrying error_code and request_id', async () => {
    ice.platformError(1, { status: 404, code: 'AgentNotFound', message: 'The specified agentId is not found.' });
    const error = await caught(client().generateMessageChatToken({ aiAgentId: 'missing', userId: 'u1' }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      status: 404,
      code: 'AgentNotFound',
      requestId: ice.calls[0]!.requestId,
      provider: 'aliyun-appserver',
      retryable: false,
    });
    expect(error.message).toContain('The specified agentId is not found.');
    expect(isAuthExpiredError(error)).toBe(false);
  });

  it('a validation failure ({code: 500, msg}) surfaces with its field', async () => {
    const error = await caught(client().call('describeAIAgentInstance', { user_id: 'u' }));
    expect(error).toMatchObject({ status: 500, code: 500 });
    expect(error.message).toContain('ai_agent_instance_id: must not be blank');
  });

  it('HTTP 403 is an auth-expired ApiCallError, not retried, without the credential in it', async () => {
    const stale = 'stale-login-token-xyz-123';
    const error = await caught(client({ authorization: stale }).getRtcAuthToken({ userId: 'u1' }));
    expect(isAuthExpiredError(error)).toBe(true);
    expect(error).toMatchObject({ status: 403, code: AUTH_EXPIRED_CODE, retryable: false });
    expect(served.count).toBe(1);
    expectNoSecret(error, [stale, API_KEY]);
  });

  it('a function authorization is resolved per request; a per-call one wins', async () => {
    let calls = 0;
    const c = client({ authorization: () => (++calls === 1 ? 'expired-login-zzz' : `Bearer ${API_KEY}`) });
    expect(isAuthExpiredError(await caught(c.getRtcAuthToken({ userId: 'u1' })))).toBe(true);
    await expect(c.getRtcAuthToken({ userId: 'u1' })).resolves.toMatchObject({ raw: { code: 200 } });
    expect(isAuthExpiredError(await caught(c.getRtcAuthToken({ userId: 'u1' }, { authorization: 'nope-nope' })))).toBe(
      true,
    );
  });
});

describe('client against the AppServer simulator', () => {
  let sim: AliyunAppServerSimulator;
  beforeEach(async () => {
    sim = await startAliyunAppServerSimulator();
  });
  afterEach(() => sim.close());
  const client = (extra: AppServerClientSettings = {}) =>
    createAppServerClient({ baseURL: sim.url, authorization: ALIYUN_APPSERVER_SIM_AUTHORIZATION, env: {}, ...extra });

  it('sends POST JSON (snake_case) with Authorization passed through as given', async () => {
    await client({ headers: { 'x-app': 'kakehashi' } }).generateMessageChatToken({
      aiAgentId: 'a1',
      userId: 'u_1',
      expire: 1800,
    });
    const [req] = sim.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/api/v2/aiagent/generateMessageChatToken');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(ALIYUN_APPSERVER_SIM_AUTHORIZATION);
    expect(req!.headers['x-app']).toBe('kakehashi');
    expect(req!.json()).toEqual({ ai_agent_id: 'a1', user_id: 'u_1', expire: 1800 });
  });

  it('reads the base URL from ALIYUN_APPSERVER_URL; missing → MissingConfigError before any request', async () => {
    const fromEnv = createAppServerClient({
      authorization: ALIYUN_APPSERVER_SIM_AUTHORIZATION,
      env: { ALIYUN_APPSERVER_URL: `${sim.url}/` },
    });
    await expect(fromEnv.getRtcAuthToken({ userId: 'u1' })).resolves.toBeTruthy();
    const missing = createAppServerClient({ env: {} });
    const error = await caught(missing.getRtcAuthToken({ userId: 'u1' }));
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ envVar: 'ALIYUN_APPSERVER_URL' });
    expect(sim.requests).toHaveLength(1);
  });

  it('bad input is rejected naming the field, with zero requests', async () => {
    const c = client();
    const cases: Array<[Promise<unknown>, string]> = [
      [c.getRtcAuthToken({ userId: '' }), 'input.userId'],
      [c.getRtcAuthToken({ userId: 'u', channelId: 'a/b' }), 'input.channelId'],
      [c.generateMessageChatToken({ aiAgentId: 'a', userId: 'has-dash' }), 'input.userId'],
      [c.generateMessageChatToken({ aiAgentId: 'a', userId: 'u', expire: 0 }), 'input.expire'],
      [c.generateMessageChatToken({ aiAgentId: 'a', userId: 'u', region: 'CN SH' }), 'input.region'],
      [c.describeAIAgentInstance({ userId: 'u' } as never), 'input.aiAgentInstanceId'],
      [c.getRtcAuthToken({ userId: 'u' }, { authorization: 'a\r\nx: y' }), 'options.authorization'],
      [c.call('../evil', {}), 'endpoint'],
      [c.legacy.generateAIAgentCall([] as never), 'body'],
    ];
    for (const [promise, field] of cases) {
      const error = await caught(promise);
      expect(InvalidArgumentError.isInstance(error), field).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(field);
    }
    expect(() => createAppServerClient({ baseUrl: 'x' } as never)).toThrow(InvalidArgumentError);
    expect(sim.requests).toHaveLength(0);
  });

  it('expireAuth → auth-expired; businessError → ApiCallError with error_code / request_id', async () => {
    sim.expireAuth(1);
    expect(isAuthExpiredError(await caught(client().getRtcAuthToken({ userId: 'u1' })))).toBe(true);
    sim.platformError(1, {
      code: 403,
      message: 'subscription required',
      error_code: 'Forbidden.SubscriptionRequired',
      request_id: 'REQ-1',
    });
    const error = await caught(client().generateMessageChatToken({ aiAgentId: 'a', userId: 'u' }));
    expect(error).toMatchObject({ status: 403, code: 'Forbidden.SubscriptionRequired', requestId: 'REQ-1' });
    expect(isAuthExpiredError(error)).toBe(false);
    expect(sim.requests).toHaveLength(2);
  });

  it('429 with Retry-After and 5xx are retried', async () => {
    sim.rateLimit(1, { retryAfterSeconds: 0 }).fail(1, { status: 502 });
    await expect(client().getRtcAuthToken({ userId: 'u1' })).resolves.toMatchObject({ raw: { code: 200 } });
    expect(sim.requests).toHaveLength(3);
  });

  it('a reset mid-body is retried; a stall hits the idle timeout and the client closes the connection', async () => {
    sim.cut(1);
    await expect(client().describeAIAgentInstance({ userId: 'u', aiAgentInstanceId: 'i' })).resolves.toMatchObject({
      status: 'Finished',
    });
    expect(sim.requests).toHaveLength(2);
    sim.stall(1);
    const error = await caught(
      client({ timeouts: { idleMs: 150 }, maxRetries: 0 }).describeAIAgentInstance({
        userId: 'u',
        aiAgentInstanceId: 'i',
      }),
    );
    expect(TimeoutError.isInstance(error)).toBe(true);
    await expect(sim.requests[2]!.closed).resolves.toEqual({ byClient: true });
  });

  it('an abort rejects with AbortError and closes the connection', async () => {
    sim.stall(1);
    const controller = new AbortController();
    const pending = client().getRtcAuthToken({ userId: 'u1' }, { signal: controller.signal });
    while (sim.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(AbortError.isInstance(await caught(pending))).toBe(true);
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('a body written one byte at a time (Japanese included) decodes identically', async () => {
    const whole = await client().describeAIAgentInstance({ userId: 'u', aiAgentInstanceId: 'i' });
    sim.split(1);
    const split = await client().describeAIAgentInstance({ userId: 'u', aiAgentInstanceId: 'i' });
    expect({ ...split, requestId: undefined, raw: undefined }).toEqual({
      ...whole,
      requestId: undefined,
      raw: undefined,
    });
    expect(JSON.parse(split.userData!)).toEqual({ 名前: '山田太郎' });
  });

  it('legacy endpoints pass snake_case through; secrets they return are redacted from later errors', async () => {
    sim.respond('generateAIAgentCall', (body) => ({
      ai_agent_instance_id: 'inst-1',
      channel_id: 'ch-1',
      ai_agent_user_id: 'agent-u',
      rtc_auth_token: 'eyJ…',
      workflow_type: body.workflow_type,
      request_id: 'R-9',
    }));
    const out = await client().legacy.generateAIAgentCall({
      user_id: 'u',
      workflow_type: 'VoiceChat',
      expire: 86_400,
      template_config: '{}',
    });
    expect(out).toMatchObject({ code: 200, ai_agent_instance_id: 'inst-1', workflow_type: 'VoiceChat' });
    expect(sim.requests[0]!.path).toBe('/api/v2/aiagent/generateAIAgentCall');

    const stsSecret = 'sts-access-key-secret-very-private';
    sim.respond('getOssConfig', {
      access_key_id: 'STS.id',
      access_key_secret: stsSecret,
      sts_token: 'sts-token-value-0001',
      bucket: 'b',
    });
    expect((await client().legacy.getOssConfig({ user_id: 'u' })).bucket).toBe('b');
    sim.platformError(1, { code: 500, message: `failed for ${stsSecret}` });
    const error = await caught(client().call('getOssConfig', { user_id: 'u' }));
    expectNoSecret(error, [stsSecret]);
  });

  it('a 200 body that is not an AppServer body is a ResponseDecodeError', async () => {
    const server = await startScriptedServer();
    try {
      server.reply({ headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
      const error = await caught(
        createAppServerClient({ baseURL: server.url, env: {} }).getRtcAuthToken({ userId: 'u1' }),
      );
      expect(ResponseDecodeError.isInstance(error)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
