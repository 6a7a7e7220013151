import { InvalidArgumentError, MissingConfigError } from '@kakehashi/sse-core';
import { ALIYUN_ICE_SIM_INSTANCE_ID, startAliyunIceSimulator, type AliyunIceSimulator } from '@kakehashi/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APP_SERVER_INTERNAL_ERROR_MESSAGE,
  artcTokenHash,
  createAppServerHandler,
  createIceClient,
  type AppServerHandlerOptions,
  type IceClient,
} from '../src/index';
import { serveHandler, type ServedHandler } from './helpers';

const API_KEY = 'kk-test-api-key-0123456789';
const RTC_APP_ID = 'artc-app-id';
const RTC_APP_KEY = 'artc-app-key-secret-value';

let sim: AliyunIceSimulator;
let served: ServedHandler | undefined;
beforeEach(async () => {
  sim = await startAliyunIceSimulator();
});
afterEach(async () => {
  await served?.close();
  served = undefined;
  await sim.close();
});

const iceFor = (s: AliyunIceSimulator) =>
  createIceClient({
    endpoint: s.url,
    accessKeyId: s.accessKeyId,
    accessKeySecret: s.accessKeySecret,
    env: {},
    maxRetries: 0,
  });

async function start(extra: Partial<AppServerHandlerOptions> = {}): Promise<ServedHandler> {
  served = await serveHandler(
    createAppServerHandler({
      rtcAppId: RTC_APP_ID,
      rtcAppKey: RTC_APP_KEY,
      ice: iceFor(sim),
      apiKeys: [API_KEY],
      env: {},
      ...extra,
    }),
  );
  return served;
}

async function post(endpoint: string, body: unknown, authorization: string | null = API_KEY, init: RequestInit = {}) {
  const res = await fetch(`${served!.url}/api/v2/aiagent/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
  };
}

describe('getRtcAuthToken', () => {
  it('returns a valid ARTC token for the requested channel', async () => {
    await start();
    const before = Math.floor(Date.now() / 1000);
    const { status, body } = await post('getRtcAuthToken', { user_id: 'user_1', channel_id: '3f2b-uuid-like-channel' });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['channel_id', 'code', 'rtc_auth_token', 'timestamp']);
    expect(body).toMatchObject({ code: 200, channel_id: '3f2b-uuid-like-channel' });
    expect((body.timestamp as number) - before).toBeGreaterThanOrEqual(86_400);
    const token = JSON.parse(Buffer.from(body.rtc_auth_token as string, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(token).toMatchObject({
      appid: RTC_APP_ID,
      channelid: '3f2b-uuid-like-channel',
      userid: 'user_1',
      nonce: '',
      timestamp: body.timestamp,
    });
    expect(token.token).toBe(
      artcTokenHash(RTC_APP_ID, RTC_APP_KEY, '3f2b-uuid-like-channel', 'user_1', '', body.timestamp as number),
    );
    expect(JSON.stringify(body)).not.toContain(RTC_APP_KEY);
  });

  it('generates a 32-hex channel id when none is given and returns the effective one', async () => {
    await start();
    for (const request of [{ user_id: 'u1' }, { user_id: 'u1', channel_id: '' }, { user_id: 'u1', channel_id: null }]) {
      const { body } = await post('getRtcAuthToken', request);
      expect(body.code).toBe(200);
      expect(body.channel_id).toMatch(/^[0-9a-f]{32}$/);
      const token = JSON.parse(Buffer.from(body.rtc_auth_token as string, 'base64').toString('utf8')) as Record<
        string,
        unknown
      >;
      expect(token.channelid).toBe(body.channel_id);
    }
  });

  it('missing ARTC credentials give the catch-all body, report the variable to onError, and leak nothing', async () => {
    const errors: unknown[] = [];
    served = await serveHandler(
      createAppServerHandler({ rtcAppId: RTC_APP_ID, apiKeys: [API_KEY], env: {}, onError: (e) => errors.push(e) }),
    );
    const { status, body } = await post('getRtcAuthToken', { user_id: 'u1' });
    expect(status).toBe(200);
    expect(body).toEqual({ code: 500, message: APP_SERVER_INTERNAL_ERROR_MESSAGE });
    expect(MissingConfigError.isInstance(errors[0])).toBe(true);
    expect(errors[0]).toMatchObject({ envVar: 'ALIYUN_RTC_APP_KEY' });
  });
});

describe('generateMessageChatToken', () => {
  it('maps ICE GenerateMessageChatToken to the documented flat body', async () => {
    await start();
    const { status, body } = await post('generateMessageChatToken', {
      ai_agent_id: 'agent-1',
      user_id: 'user_1',
      role: 'admin',
      expire: '1800',
      region: 'cn-shanghai',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      code: 200,
      message: 'success',
      app_id: 'sim-im-app-id',
      user_id: 'user_1',
      role: 'admin',
    });
    for (const key of ['request_id', 'token', 'nonce', 'app_sign']) expect(typeof body[key], key).toBe('string');
    expect(typeof body.timestamp).toBe('number');
    expect(body.request_id).toBe(sim.calls[0]!.requestId);
    expect(sim.calls[0]!.params).toEqual({ AIAgentId: 'agent-1', UserId: 'user_1', Role: 'admin', Expire: '1800' });
  });

  it('passes ICE errors through as {code, message, error_code, request_id}', async () => {
    sim.platformError(1, { status: 404, code: 'AgentNotFound', message: 'The specified agentId is not found.' });
    const errors: unknown[] = [];
    await start({ onError: (e) => errors.push(e) });
    const { status, body } = await post('generateMessageChatToken', { ai_agent_id: 'nope', user_id: 'user_1' });
    expect(status).toBe(200);
    expect(body).toEqual({
      code: 404,
      message: 'The specified agentId is not found.',
      error_code: 'AgentNotFound',
      request_id: sim.calls[0]!.requestId,
    });
    expect(errors).toHaveLength(1);
  });

  it('a wrong AccessKey secret surfaces as SignatureDoesNotMatch without the secret', async () => {
    const wrong = 'wrong-ak-secret-value-42';
    await start({
      ice: createIceClient({
        endpoint: sim.url,
        accessKeyId: sim.accessKeyId,
        accessKeySecret: wrong,
        env: {},
        maxRetries: 0,
      }),
    });
    const { body } = await post('generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u' });
    expect(body).toMatchObject({ code: 400, error_code: 'SignatureDoesNotMatch' });
    expect(JSON.stringify(body)).not.toContain(wrong);
  });

  it('uses the request’s region, else defaultRegion', async () => {
    const real = iceFor(sim);
    const regions: Array<string | undefined> = [];
    const spy: IceClient = {
      ...real,
      generateMessageChatToken: (input, options) => {
        regions.push(options?.region);
        return real.generateMessageChatToken(input, options);
      },
    };
    await start({ ice: spy, defaultRegion: 'ap-southeast-1' });
    await post('generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u', region: 'cn-beijing' });
    await post('generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u' });
    expect(regions).toEqual(['cn-beijing', 'ap-southeast-1']);
  });
});

describe('describeAIAgentInstance', () => {
  it('returns the configs as JSON strings (agent_config parseable, as the web client does)', async () => {
    await start();
    const { body } = await post('describeAIAgentInstance', {
      user_id: 'user_1',
      ai_agent_instance_id: ALIYUN_ICE_SIM_INSTANCE_ID,
    });
    expect(body).toMatchObject({
      code: 200,
      message: 'success',
      status: 'Finished',
      call_log_url: 'https://example.com/call_logs/12345',
    });
    expect(JSON.parse(body.agent_config as string)).toMatchObject({
      Greeting: 'こんにちは、架け橋のデモです。ご用件をどうぞ。',
    });
    expect(JSON.parse(body.runtime_config as string)).toMatchObject({ VoiceChat: { ChannelId: 'voice_channel_001' } });
    expect(JSON.parse(body.template_config as string)).toEqual({ VoiceChat: { AppId: 'sim_voice_chat_app_id' } });
    expect(JSON.parse(body.user_data as string)).toEqual({ 名前: '山田太郎', 言語: 'ja' });
    expect(body.request_id).toBe(sim.calls[0]!.requestId);
  });

  it('an instance without configs gets "{}" strings', async () => {
    sim.instances.set('bare', {
      InstanceId: 'bare',
      AIAgentId: 'a',
      Status: 'Executing',
      GmtCreate: 'x',
      GmtModified: 'x',
    });
    await start();
    const { body } = await post('describeAIAgentInstance', { user_id: 'u', ai_agent_instance_id: 'bare' });
    expect(body).toMatchObject({
      code: 200,
      agent_config: '{}',
      runtime_config: '{}',
      template_config: '{}',
      status: 'Executing',
    });
  });
});

describe('authorization, CORS and routing', () => {
  it('answers 403 (with CORS headers) for a missing, empty or wrong Authorization, before any ICE call', async () => {
    await start();
    for (const auth of [null, '', 'wrong-key', `Bearer wrong-key`, `Basic ${API_KEY}`]) {
      const res = await post('generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u' }, auth);
      expect(res.status, String(auth)).toBe(403);
      expect(res.body).toEqual({ code: 403, message: 'Forbidden' });
      expect(res.headers.get('vary')).toBe('Origin');
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('accepts the bare key and "Bearer <key>"', async () => {
    await start();
    expect((await post('getRtcAuthToken', { user_id: 'u' }, API_KEY)).body.code).toBe(200);
    expect((await post('getRtcAuthToken', { user_id: 'u' }, `Bearer ${API_KEY}`)).body.code).toBe(200);
    expect((await post('getRtcAuthToken', { user_id: 'u' }, `bearer   ${API_KEY}`)).body.code).toBe(200);
  });

  it('allows no origin by default: no CORS headers, the preflight answers 204 without any', async () => {
    await start();
    const res = await fetch(`${served!.url}/api/v2/aiagent/getRtcAuthToken`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.jp', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    const post1 = await post('getRtcAuthToken', { user_id: 'u' }, API_KEY, {
      headers: { origin: 'https://app.example.jp', authorization: API_KEY },
    });
    expect(post1.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('OPTIONS → 204 with the CORS preflight headers, no auth needed', async () => {
    await start({ cors: { origin: '*' } });
    const res = await fetch(`${served!.url}/api/v2/aiagent/getRtcAuthToken`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.jp',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(res.headers.get('access-control-max-age')).toBe('86400');
  });

  it('echoes a listed origin and omits an unlisted one', async () => {
    await start({ cors: { origin: ['https://app.example.jp'] } });
    const ok = await post('getRtcAuthToken', { user_id: 'u' }, API_KEY, {
      headers: { origin: 'https://app.example.jp', authorization: API_KEY },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.jp');
    expect(ok.headers.get('vary')).toBe('Origin');
    const other = await post('getRtcAuthToken', { user_id: 'u' }, API_KEY, {
      headers: { origin: 'https://evil.example', authorization: API_KEY },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a custom authorize sees the credential; throwing or false means 403', async () => {
    const seen: Array<string | undefined> = [];
    await start({
      apiKeys: undefined,
      authorize: ({ credential, endpoint }) => {
        seen.push(`${endpoint}:${credential}`);
        if (credential === 'boom') throw new Error('verifier down');
        return credential === 'jwt-ok';
      },
    });
    expect((await post('getRtcAuthToken', { user_id: 'u' }, 'Bearer jwt-ok')).status).toBe(200);
    expect((await post('getRtcAuthToken', { user_id: 'u' }, 'jwt-no')).status).toBe(403);
    expect((await post('getRtcAuthToken', { user_id: 'u' }, 'boom')).status).toBe(403);
    expect(seen).toEqual(['getRtcAuthToken:jwt-ok', 'getRtcAuthToken:jwt-no', 'getRtcAuthToken:boom']);
  });

  it('unknown paths → 404, other methods → 405', async () => {
    await start();
    expect((await post('startRobot', {})).status).toBe(404);
    const res = await fetch(`${served!.url}/api/v2/aiagent/getRtcAuthToken`, { headers: { authorization: API_KEY } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('requires apiKeys or authorize, and rejects unknown options', () => {
    expect(() => createAppServerHandler({ rtcAppId: 'a' })).toThrow(InvalidArgumentError);
    expect(() => createAppServerHandler({ rtcAppId: 'a' })).toThrow(/options\.apiKeys/);
    expect(() => createAppServerHandler({ apiKeys: [], bogus: 1 } as never)).toThrow(InvalidArgumentError);
  });
});

describe('bad bodies', () => {
  it('answer the validation shape {code: 500, msg, message} naming the field, without calling ICE', async () => {
    await start();
    const cases: Array<[string, unknown, RegExp]> = [
      ['getRtcAuthToken', {}, /^user_id: must not be blank$/],
      ['getRtcAuthToken', { user_id: '  ' }, /^user_id: must not be blank$/],
      ['getRtcAuthToken', { user_id: 'has space' }, /^user_id: /],
      ['getRtcAuthToken', { user_id: 'u', channel_id: 'bad/channel' }, /^channel_id: /],
      ['generateMessageChatToken', { user_id: 'u' }, /^ai_agent_id: must not be blank$/],
      ['generateMessageChatToken', { ai_agent_id: 'a', user_id: 'bad-dash' }, /^user_id: /],
      ['generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u', expire: 'soon' }, /^expire: /],
      ['generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u', region: 'evil.com/x' }, /^region: /],
      ['describeAIAgentInstance', { user_id: 'u' }, /^ai_agent_instance_id: must not be blank$/],
      ['describeAIAgentInstance', '{not json', /^body: must be a JSON object$/],
      ['describeAIAgentInstance', '[1,2]', /^body: must be a JSON object$/],
      ['generateMessageChatToken', { ai_agent_id: 'a\ud800', user_id: 'u' }, /^ai_agent_id: must not contain/],
      ['generateMessageChatToken', { ai_agent_id: 'a', user_id: 'u', role: 'x\u0000' }, /^role: must not contain/],
      [
        'describeAIAgentInstance',
        { user_id: 'u', ai_agent_instance_id: 'i'.repeat(257) },
        /^ai_agent_instance_id: must be at most 256/,
      ],
    ];
    for (const [endpoint, body, pattern] of cases) {
      const res = await post(endpoint, body);
      expect(res.status).toBe(200);
      expect(res.body.code, `${endpoint} ${JSON.stringify(body)}`).toBe(500);
      expect(res.body.msg).toMatch(pattern);
      expect(res.body.message).toMatch(pattern);
    }
    const both = await post('describeAIAgentInstance', {});
    expect(both.body.msg).toBe('user_id: must not be blank<br>ai_agent_instance_id: must not be blank');
    expect(sim.requests).toHaveLength(0);
  });

  it('a body nested deeper than 128 levels gets HTTP 400 naming the limit (like a body too large), without calling ICE', async () => {
    await start();
    const res = await post('describeAIAgentInstance', `{"user_id":"u","x":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 400, message: expect.stringContaining('more than 128 levels') });
    expect(sim.requests).toHaveLength(0);
  });

  it('a body over maxBodyBytes gets 413', async () => {
    await start({ maxBodyBytes: 64 });
    const res = await post('getRtcAuthToken', { user_id: 'u', padding: 'x'.repeat(100) });
    expect(res.status).toBe(413);
    // Chunked (no content-length): cut off while streaming.
    const chunks = ['{"user_id":"u",', `"padding":"${'y'.repeat(100)}"}`];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const chunked = await fetch(`${served!.url}/api/v2/aiagent/getRtcAuthToken`, {
      method: 'POST',
      headers: { authorization: API_KEY, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const small = await fetch(`${served!.url}/api/v2/aiagent/getRtcAuthToken`, {
      method: 'POST',
      headers: { authorization: API_KEY },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"user_id":"u"}'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(((await small.json()) as { code: number }).code).toBe(200);
  });
});
