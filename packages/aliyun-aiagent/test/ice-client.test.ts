import { AbortError, ApiCallError, InvalidArgumentError, MissingConfigError, TimeoutError } from '@kakehashi/sse-core';
import {
  ALIYUN_ICE_SIM_AGENT_ID,
  ALIYUN_ICE_SIM_INSTANCE_ID,
  startAliyunIceSimulator,
  type AliyunIceSimulator,
} from '@kakehashi/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIceClient, ICE_API_VERSION, signIceRequest, type IceClientSettings } from '../src/index';
import { caught, expectNoSecret } from './helpers';

/** Resolves once the simulator has received a request (its body has been read). */
async function waitForRequest(s: AliyunIceSimulator): Promise<void> {
  while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
}

let sim: AliyunIceSimulator;
beforeEach(async () => {
  sim = await startAliyunIceSimulator({ now: () => Date.now() });
});
afterEach(() => sim.close());

const client = (extra: IceClientSettings = {}) =>
  createIceClient({
    endpoint: sim.url,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    env: {},
    maxRetries: 2,
    ...extra,
  });

describe('ICE client: happy paths through the signature-verifying simulator', () => {
  it('GenerateMessageChatToken: signed V3 request, PascalCase params in the query, empty body', async () => {
    const out = await client().generateMessageChatToken({
      aiAgentId: ALIYUN_ICE_SIM_AGENT_ID,
      userId: 'user_1',
      role: 'admin',
      expire: 1800,
    });
    expect(out).toMatchObject({ appId: 'sim-im-app-id', userId: 'user_1', role: 'admin' });
    expect(out.token).toMatch(/^acet[0-9a-f]{64}$/);
    expect(out.nonce).toMatch(/^AK-/);
    expect(out.appSign).toMatch(/^H4sI/);
    expect(out.requestId).toBe(sim.calls[0]!.requestId);
    expect(out.timestamp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(1790);
    expect(out.raw.AppId).toBe('sim-im-app-id');

    const [req] = sim.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/');
    expect(req!.body).toBe('');
    expect(req!.headers['x-acs-action']).toBe('GenerateMessageChatToken');
    expect(req!.headers['x-acs-version']).toBe(ICE_API_VERSION);
    expect(req!.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tSimulatorKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );
    expect(sim.calls[0]).toMatchObject({
      action: 'GenerateMessageChatToken',
      status: 200,
      params: { AIAgentId: ALIYUN_ICE_SIM_AGENT_ID, UserId: 'user_1', Role: 'admin', Expire: '1800' },
    });
  });

  it('DescribeAIAgentInstance returns the instance with its config objects and Japanese user data', async () => {
    const out = await client().describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(out.instance.status).toBe('Finished');
    expect(out.instance.callLogUrl).toBe('https://example.com/call_logs/12345');
    expect(out.instance.agentConfig).toMatchObject({ Greeting: 'こんにちは、架け橋のデモです。ご用件をどうぞ。' });
    expect(JSON.parse(out.instance.userData!)).toEqual({ 名前: '山田太郎', 言語: 'ja' });
    expect(out.requestId).toMatch(/^7B117AF5-/);
  });

  it('Start → Update → Describe → Stop, with object parameters sent as JSON text', async () => {
    const ice = client();
    const runtimeConfig = { VoiceChat: { AgentUserId: 'agent_u', ChannelId: 'ch_1', AuthToken: 'tok' } };
    const started = await ice.startAIAgentInstance({
      aiAgentId: 'agent-x',
      runtimeConfig,
      userData: '{"こんにちは":"世界 & ~*"}',
    });
    expect(started.instanceId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(sim.calls[0]!.params.RuntimeConfig!)).toEqual(runtimeConfig);
    expect(sim.calls[0]!.params.UserData).toBe('{"こんにちは":"世界 & ~*"}');

    await ice.updateAIAgentInstance({ instanceId: started.instanceId!, agentConfig: '{"Greeting":"やあ"}' });
    const described = await ice.describeAIAgentInstance({ instanceId: started.instanceId! });
    expect(described.instance).toMatchObject({ status: 'Executing', runtimeConfig, agentConfig: { Greeting: 'やあ' } });
    const stopped = await ice.stopAIAgentInstance({ instanceId: started.instanceId! });
    expect(stopped.requestId).toBeTruthy();
    expect(sim.instances.get(started.instanceId!)!.Status).toBe('Finished');
  });

  it('GenerateAIAgentCall returns the user’s ARTC token and the call ids', async () => {
    const out = await client().generateAIAgentCall({
      aiAgentId: 'agent-x',
      userId: 'end_user',
      expire: 86_400,
      templateConfig: {},
    });
    expect(out).toMatchObject({ userId: 'end_user' });
    const token = JSON.parse(Buffer.from(out.token!, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(token).toMatchObject({ appid: 'sim-rtc-app-id', userid: 'end_user', channelid: out.channelId });
    expect(sim.instances.get(out.instanceId!)!.RuntimeConfig).toEqual({
      VoiceChat: { AgentUserId: out.aiAgentUserId, ChannelId: out.channelId },
    });
  });

  it('callAction reaches any other action; unknown ones get InvalidAction.NotFound', async () => {
    sim.respond('ListAIAgentInstance', (params) => ({
      Instances: [{ InstanceId: 'i1' }],
      PageSize: Number(params.PageSize),
    }));
    const body = await client().callAction('ListAIAgentInstance', { AIAgentId: 'a', PageSize: 5 });
    expect(body).toMatchObject({ Instances: [{ InstanceId: 'i1' }], PageSize: 5 });
    const error = await caught(client().callAction('NoSuchAction'));
    expect(error).toMatchObject({ status: 404, code: 'InvalidAction.NotFound' });
  });

  it('resolves the endpoint from ALIYUN_ICE_ENDPOINT (with a {region} placeholder) and from the region', async () => {
    const fromEnv = createIceClient({
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      env: { ALIYUN_ICE_ENDPOINT: sim.url },
    });
    await fromEnv.describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(sim.calls).toHaveLength(1);
    const regional = createIceClient({ region: 'cn-shanghai', env: {} });
    expect(regional.endpointFor()).toBe('https://ice.cn-shanghai.aliyuncs.com');
    expect(regional.endpointFor('ap-southeast-1')).toBe('https://ice.ap-southeast-1.aliyuncs.com');
    expect(
      createIceClient({ endpoint: 'https://ice-vpc.{region}.aliyuncs.com', env: {} }).endpointFor('cn-beijing'),
    ).toBe('https://ice-vpc.cn-beijing.aliyuncs.com');
  });
});

describe('signIceRequest', () => {
  it('reproduces the ICE-shaped V3 vector (4297470c…3a27) and sends exactly what it signed', () => {
    const signed = signIceRequest({
      endpoint: 'https://ice.cn-shanghai.aliyuncs.com',
      action: 'GenerateMessageChatToken',
      params: { UserId: 'user_1', AIAgentId: 'agent123', Expire: 3600, Role: undefined },
      accessKeyId: 'testAK',
      accessKeySecret: 'testSecret',
      date: '2025-01-01T00:00:00Z',
      nonce: '0123456789abcdef0123456789abcdef',
    });
    expect(signed.url).toBe('https://ice.cn-shanghai.aliyuncs.com/?AIAgentId=agent123&Expire=3600&UserId=user_1');
    expect(signed.headers.Authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=4297470c22821cf13a80714d479d13ab1ee80028245354931dc6c356b7f43a27',
    );
    expect(signed.headers.host).toBeUndefined();
    expect(signed.headers['x-acs-content-sha256']).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('ICE client: errors', () => {
  it('a wrong AccessKey secret fails the simulator’s signature check: clear ApiCallError, no secret in it', async () => {
    const wrong = 'wrong-secret-value-zzz-987';
    const error = await caught(
      client({ accessKeySecret: wrong }).describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID }),
    );
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      status: 400,
      code: 'SignatureDoesNotMatch',
      provider: 'aliyun-ice',
      retryable: false,
    });
    expect((error as ApiCallError).requestId).toMatch(/^7B117AF5-/);
    expect(error.message).toMatch(/Specified signature does not match/);
    expectNoSecret(error, [wrong, sim.accessKeySecret]);
    expect(sim.requests).toHaveLength(1);
  });

  it('an unknown AccessKey id gets InvalidAccessKeyId.NotFound', async () => {
    const error = await caught(client({ accessKeyId: 'LTAIunknown' }).describeAIAgentInstance({ instanceId: 'x' }));
    expect(error).toMatchObject({ status: 404, code: 'InvalidAccessKeyId.NotFound' });
  });

  it('platform errors keep Code, Message and RequestId (AgentNotFound, Forbidden.SubscriptionRequired)', async () => {
    const strict = await startAliyunIceSimulator({ agentIds: ['only-agent'] });
    try {
      const ice = createIceClient({
        endpoint: strict.url,
        accessKeyId: strict.accessKeyId,
        accessKeySecret: strict.accessKeySecret,
        env: {},
      });
      const error = await caught(ice.generateMessageChatToken({ aiAgentId: 'other-agent', userId: 'u1' }));
      expect(error).toMatchObject({ status: 404, code: 'AgentNotFound' });
      expect(error.message).toContain('The specified agentId is not found.');
      strict.platformError(1, {
        status: 403,
        code: 'Forbidden.SubscriptionRequired',
        message: 'The subscription is required.',
      });
      expect(await caught(ice.describeAIAgentInstance({ instanceId: 'x' }))).toMatchObject({
        status: 403,
        code: 'Forbidden.SubscriptionRequired',
      });
    } finally {
      await strict.close();
    }
  });

  it('bad input is rejected naming the field, before any request', async () => {
    const ice = client();
    const cases: Array<[Promise<unknown>, string]> = [
      [ice.generateMessageChatToken({ aiAgentId: 'a', userId: 'bad-user!' }), 'input.userId'],
      [ice.generateMessageChatToken({ aiAgentId: '', userId: 'u' }), 'input.aiAgentId'],
      [ice.generateMessageChatToken({ aiAgentId: 'a', userId: 'u', expire: -1 }), 'input.expire'],
      [ice.describeAIAgentInstance({} as never), 'input.instanceId'],
      [ice.startAIAgentInstance({ aiAgentId: 'a', runtimeConfig: 42 as never }), 'input.runtimeConfig'],
      [ice.describeAIAgentInstance({ instanceId: 'x' }, { region: 'evil.com/' }), 'options.region'],
      [ice.callAction('lowercase'), 'action'],
    ];
    for (const [promise, field] of cases) {
      const error = await caught(promise);
      expect(InvalidArgumentError.isInstance(error), field).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(field);
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('missing credentials or region throw MissingConfigError naming the variable, before any request', async () => {
    const noId = createIceClient({ endpoint: sim.url, accessKeySecret: 'x-secret', env: {} });
    expect(await caught(noId.describeAIAgentInstance({ instanceId: 'x' }))).toMatchObject({
      envVar: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
    });
    const noSecret = createIceClient({ endpoint: sim.url, accessKeyId: 'id', env: {} });
    const e2 = await caught(noSecret.describeAIAgentInstance({ instanceId: 'x' }));
    expect(MissingConfigError.isInstance(e2)).toBe(true);
    expect(e2).toMatchObject({ envVar: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' });
    const noRegion = createIceClient({ accessKeyId: 'id', accessKeySecret: 'x-secret', env: {} });
    expect(await caught(noRegion.describeAIAgentInstance({ instanceId: 'x' }))).toMatchObject({
      setting: 'region',
      envVar: 'ALIYUN_ICE_ENDPOINT',
    });
    const fromEnv = createIceClient({
      endpoint: sim.url,
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: sim.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: sim.accessKeySecret },
    });
    expect(sim.requests).toHaveLength(0);
    await fromEnv.describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(sim.calls).toHaveLength(1);
  });

  it('rejects bad settings naming the field', () => {
    expect(() => createIceClient({ region: 'Not A Region' })).toThrow(/settings\.region/);
    expect(() => createIceClient({ secret: 'x' } as never)).toThrow(InvalidArgumentError);
    expect(() => createIceClient({ endpoint: 'https://ice.example.com/path', env: {} }).endpointFor()).toThrow(
      /scheme and host only/,
    );
  });
});

describe('ICE client: fault knobs', () => {
  it('429 with Retry-After is retried, re-signed with a fresh nonce', async () => {
    sim.rateLimit(2, { retryAfterSeconds: 0 });
    const out = await client().describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(out.instance.status).toBe('Finished');
    expect(sim.calls.map((c) => c.status)).toEqual([429, 429, 200]);
    expect(new Set(sim.calls.map((c) => c.nonce)).size).toBe(3);
  });

  it('5xx is retried; exhausting the retries throws a retryable ApiCallError', async () => {
    sim.fail(1, { status: 503 });
    await client().describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(sim.calls.map((c) => c.status)).toEqual([503, 200]);
    sim.fail(3, { status: 500 });
    const error = await caught(
      client({ maxRetries: 1 }).describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID }),
    );
    expect(error).toMatchObject({ status: 500, code: 'ServiceUnavailable', retryable: true });
  });

  it('a reset mid-body is retried (the body is read inside the retry loop)', async () => {
    sim.cut(1);
    const out = await client().describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect(out.instance.agentConfig).toMatchObject({ Greeting: 'こんにちは、架け橋のデモです。ご用件をどうぞ。' });
    expect(sim.calls).toHaveLength(2);
  });

  it('a stalled body hits the idle timeout and the connection is closed by the client', async () => {
    sim.stall(1);
    const error = await caught(
      client({ timeouts: { idleMs: 150 }, maxRetries: 0 }).describeAIAgentInstance({
        instanceId: ALIYUN_ICE_SIM_INSTANCE_ID,
      }),
    );
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ phase: 'idle' });
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('an abort cancels the call and closes the connection', async () => {
    sim.stall(1);
    const controller = new AbortController();
    const pending = client().describeAIAgentInstance(
      { instanceId: ALIYUN_ICE_SIM_INSTANCE_ID },
      { signal: controller.signal },
    );
    await waitForRequest(sim);
    controller.abort();
    const error = await caught(pending);
    expect(AbortError.isInstance(error)).toBe(true);
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('a body written one byte per network write (Japanese included) decodes identically', async () => {
    const whole = await client().describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    sim.split(1);
    const split = await client().describeAIAgentInstance({ instanceId: ALIYUN_ICE_SIM_INSTANCE_ID });
    expect({ ...split, requestId: undefined, raw: undefined }).toEqual({
      ...whole,
      requestId: undefined,
      raw: undefined,
    });
  });
});
