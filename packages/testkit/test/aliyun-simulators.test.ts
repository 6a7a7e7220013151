import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALIYUN_APPSERVER_SIM_AUTHORIZATION,
  startAliyunAppServerSimulator,
  startAliyunIceSimulator,
  verifyAcs3Request,
  type AliyunAppServerSimulator,
  type AliyunIceSimulator,
} from '../src/index';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('verifyAcs3Request', () => {
  it('accepts the published V3 test vector (e521358f…4804)', () => {
    const signed = 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';
    const headers = {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-content-sha256': EMPTY,
      'x-acs-date': '2023-10-26T09:01:01Z',
      'x-acs-signature-nonce': 'd410180a5abf7fe235dd9b74aca91fc0',
      'x-acs-version': '2014-05-26',
    };
    const authorization = (sig: string) =>
      `ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=${signed},Signature=${sig}`;
    const input = {
      method: 'POST',
      path: '/',
      rawQuery: 'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
      body: new Uint8Array(),
      secretFor: (id: string) => (id === 'YourAccessKeyId' ? 'YourAccessKeySecret' : undefined),
    };
    const good = verifyAcs3Request({
      ...input,
      headers: {
        ...headers,
        authorization: authorization('e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804'),
      },
    });
    expect(good).toEqual({ ok: true, accessKeyId: 'YourAccessKeyId', signedHeaders: signed.split(';') });
    const bad = verifyAcs3Request({ ...input, headers: { ...headers, authorization: authorization('0'.repeat(64)) } });
    expect(bad).toMatchObject({ ok: false, status: 400, code: 'SignatureDoesNotMatch' });
    expect(JSON.stringify(bad)).not.toContain('YourAccessKeySecret');
  });

  it('accepts the ICE-shaped vector (4297470c…3a27) and rejects an unknown key id', () => {
    const headers = {
      host: 'ice.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'GenerateMessageChatToken',
      'x-acs-version': '2020-11-09',
      'x-acs-date': '2025-01-01T00:00:00Z',
      'x-acs-signature-nonce': '0123456789abcdef0123456789abcdef',
      'x-acs-content-sha256': EMPTY,
      authorization:
        'ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=4297470c22821cf13a80714d479d13ab1ee80028245354931dc6c356b7f43a27',
    };
    const input = {
      method: 'POST',
      path: '/',
      rawQuery: 'UserId=user_1&AIAgentId=agent123&Expire=3600',
      headers,
      body: new Uint8Array(),
    };
    expect(verifyAcs3Request({ ...input, secretFor: () => 'testSecret' }).ok).toBe(true);
    expect(verifyAcs3Request({ ...input, secretFor: () => undefined })).toMatchObject({
      code: 'InvalidAccessKeyId.NotFound',
      status: 404,
    });
    expect(createHash('sha256').update('').digest('hex')).toBe(EMPTY);
  });
});

describe('startAliyunIceSimulator', () => {
  let sim: AliyunIceSimulator | undefined;
  afterEach(() => sim?.close());

  it('answers an unsigned request with the Alibaba error JSON (4xx, PascalCase)', async () => {
    sim = await startAliyunIceSimulator();
    const res = await fetch(`${sim.url}/?InstanceId=x`, {
      method: 'POST',
      headers: { 'x-acs-action': 'DescribeAIAgentInstance' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ Code: 'IncompleteSignature' });
    expect(typeof body.RequestId).toBe('string');
    expect(res.headers.get('x-acs-request-id')).toBe(body.RequestId);
    expect(sim.calls).toEqual([]);
  });

  it('rejects unknown options', async () => {
    await expect(startAliyunIceSimulator({ secret: 'x' } as never)).rejects.toThrow(/unknown option "secret"/);
  });
});

describe('startAliyunAppServerSimulator', () => {
  let sim: AliyunAppServerSimulator | undefined;
  afterEach(() => sim?.close());

  const post = (path: string, body: unknown, authorization?: string) =>
    fetch(`${sim!.url}/api/v2/aiagent/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: JSON.stringify(body),
    });

  it('serves a real ARTC token with the effective channel id', async () => {
    sim = await startAliyunAppServerSimulator({ now: () => 1_699_337_234_000 });
    const res = await post('getRtcAuthToken', { user_id: 'abcUser' }, ALIYUN_APPSERVER_SIM_AUTHORIZATION);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.code).toBe(200);
    expect(body.channel_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.timestamp).toBe(1_699_423_634);
    const token = JSON.parse(Buffer.from(String(body.rtc_auth_token), 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(token).toMatchObject({
      appid: 'sim-rtc-app-id',
      userid: 'abcUser',
      channelid: body.channel_id,
      timestamp: 1_699_423_634,
    });
  });

  it('answers 403 without Authorization, 204 to OPTIONS, and business errors in a 200 body', async () => {
    sim = await startAliyunAppServerSimulator();
    expect((await post('getRtcAuthToken', { user_id: 'u' })).status).toBe(403);
    const options = await fetch(`${sim.url}/api/v2/aiagent/getRtcAuthToken`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('access-control-allow-headers')).toContain('authorization');
    sim.platformError(1, { code: 404, message: 'not found', error_code: 'AgentNotFound', request_id: 'R1' });
    const res = await post(
      'generateMessageChatToken',
      { ai_agent_id: 'a', user_id: 'u' },
      `Bearer ${ALIYUN_APPSERVER_SIM_AUTHORIZATION}`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      code: 404,
      message: 'not found',
      error_code: 'AgentNotFound',
      request_id: 'R1',
    });
  });
});
