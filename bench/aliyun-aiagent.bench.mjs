// Alibaba AICall server-side hot paths: building ARTC join tokens and signing ICE OpenAPI calls
// (ACS3-HMAC-SHA256), each against a bare node:crypto floor doing the same hashing and encoding with no
// validation; plus the getRtcAuthToken handler in-process (Request -> Response) against a bare
// parse/build/serialise floor.
//   floors:     hand-written node:crypto (sha256 / HMAC-SHA256), JSON.stringify, base64, no checks
//   kakehashi:  @kakehashi/aliyun-aiagent buildArtcToken / signIceRequest / createAppServerHandler, and
//               @kakehashi/auth signAcs3Request alone (the signer signIceRequest wraps), to show where time goes
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { signAcs3Request } from '@kakehashi/auth';
import { buildArtcToken, createAppServerHandler, signIceRequest } from '@kakehashi/aliyun-aiagent';
import { compare, printTable } from './bench-utils.mjs';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 100_000);
const SIGNS = Number(process.env.BENCH_SIGNS ?? 50_000);
const HANDLED = Number(process.env.BENCH_HANDLED ?? 10_000);
const APP_ID = 'artc-app-id-0001';
const APP_KEY = 'artc-app-key-bench-secret';
const GSLB = ['https://gw.rtn.aliyuncs.com'];
const TS = 1_699_423_634;
const users = Array.from({ length: 1024 }, (_, i) => `user_${i}`);
const channels = Array.from({ length: 1024 }, (_, i) => `channel-${i.toString(16).padStart(8, '0')}`);

function floorArtc(appId, appKey, channelId, userId, timestamp) {
  const token = createHash('sha256')
    .update(`${appId + appKey + channelId + userId}${timestamp}`)
    .digest('hex');
  const json = JSON.stringify({
    appid: appId,
    channelid: channelId,
    userid: userId,
    nonce: '',
    timestamp,
    gslb: GSLB,
    token,
  });
  return Buffer.from(json, 'utf8').toString('base64');
}

// Same output for the same input, so the comparison is like for like.
if (
  floorArtc(APP_ID, APP_KEY, channels[1], users[1], TS) !==
  buildArtcToken({ appId: APP_ID, appKey: APP_KEY, channelId: channels[1], userId: users[1], timestamp: TS })
    .rtcAuthToken
) {
  throw new Error('floor and kakehashi ARTC tokens differ');
}

const artc = await compare(
  {
    'node:crypto sha256 + JSON + base64 (floor)': async () => {
      let n = 0;
      for (let i = 0; i < TOKENS; i++)
        if (floorArtc(APP_ID, APP_KEY, channels[i & 1023], users[i & 1023], TS + i).length > 0) n++;
      return n;
    },
    '@kakehashi/aliyun-aiagent buildArtcToken': async () => {
      let n = 0;
      for (let i = 0; i < TOKENS; i++) {
        if (
          buildArtcToken({
            appId: APP_ID,
            appKey: APP_KEY,
            channelId: channels[i & 1023],
            userId: users[i & 1023],
            timestamp: TS + i,
          }).rtcAuthToken.length > 0
        )
          n++;
      }
      return n;
    },
  },
  { work: TOKENS },
);
printTable(
  `ARTC token building, ${TOKENS} tokens (median of 7 rounds)`,
  artc,
  'node:crypto sha256 + JSON + base64 (floor)',
  'tokens/s',
);

// ---- ACS3 signing of an ICE call ------------------------------------------------------------------
const AK = 'LTAI5tBenchKeyId';
const SK = 'bench-access-key-secret-0123456789';
const HOST = 'ice.cn-shanghai.aliyuncs.com';
const SIGNED = 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';
const EMPTY = createHash('sha256').update('').digest('hex');
const enc = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function floorSign(userId) {
  const query = `AIAgentId=agent123&Expire=3600&UserId=${enc(userId)}`;
  const date = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const nonce = randomBytes(16).toString('hex');
  const canonical =
    `POST\n/\n${query}\nhost:${HOST}\nx-acs-action:GenerateMessageChatToken\nx-acs-content-sha256:${EMPTY}\n` +
    `x-acs-date:${date}\nx-acs-signature-nonce:${nonce}\nx-acs-version:2020-11-09\n\n${SIGNED}\n${EMPTY}`;
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', SK).update(stringToSign).digest('hex');
  return {
    url: `https://${HOST}/?${query}`,
    authorization: `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=${SIGNED},Signature=${signature}`,
  };
}

// Same signature for the same inputs.
{
  const fixed = signIceRequest({
    endpoint: `https://${HOST}`,
    action: 'GenerateMessageChatToken',
    params: { AIAgentId: 'agent123', Expire: 3600, UserId: 'user_1' },
    accessKeyId: 'testAK',
    accessKeySecret: 'testSecret',
    date: '2025-01-01T00:00:00Z',
    nonce: '0123456789abcdef0123456789abcdef',
  });
  if (
    !fixed.headers.Authorization.endsWith('Signature=4297470c22821cf13a80714d479d13ab1ee80028245354931dc6c356b7f43a27')
  )
    throw new Error('signer vector mismatch');
}

const acs3 = await compare(
  {
    'node:crypto canonical + sha256 + HMAC (floor)': async () => {
      let n = 0;
      for (let i = 0; i < SIGNS; i++) if (floorSign(users[i & 1023]).authorization.length > 0) n++;
      return n;
    },
    '@kakehashi/auth signAcs3Request (inside)': async () => {
      let n = 0;
      for (let i = 0; i < SIGNS; i++) {
        const headers = signAcs3Request({
          host: HOST,
          action: 'GenerateMessageChatToken',
          version: '2020-11-09',
          query: { AIAgentId: 'agent123', Expire: 3600, UserId: users[i & 1023] },
          accessKeyId: AK,
          accessKeySecret: SK,
        });
        if (headers.Authorization.length > 0) n++;
      }
      return n;
    },
    '@kakehashi/aliyun-aiagent signIceRequest': async () => {
      let n = 0;
      for (let i = 0; i < SIGNS; i++) {
        const signed = signIceRequest({
          endpoint: `https://${HOST}`,
          action: 'GenerateMessageChatToken',
          params: { AIAgentId: 'agent123', Expire: 3600, UserId: users[i & 1023] },
          accessKeyId: AK,
          accessKeySecret: SK,
        });
        if (signed.headers.Authorization.length > 0) n++;
      }
      return n;
    },
  },
  { work: SIGNS },
);
printTable(
  `ACS3-HMAC-SHA256 signing of an ICE call, ${SIGNS} requests (median of 7 rounds)`,
  acs3,
  'node:crypto canonical + sha256 + HMAC (floor)',
  'signatures/s',
);

// ---- getRtcAuthToken handler, in process ----------------------------------------------------------
const KEY = 'bench-api-key-0123456789';
const handler = createAppServerHandler({ rtcAppId: APP_ID, rtcAppKey: APP_KEY, apiKeys: [KEY], env: {} });
const URL_ = 'http://127.0.0.1/api/v2/aiagent/getRtcAuthToken';
const request = (i) =>
  new Request(URL_, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: users[i & 1023], channel_id: channels[i & 1023] }),
  });

const handled = await compare(
  {
    'Request.json + floor token + Response.json (floor)': async () => {
      let n = 0;
      for (let i = 0; i < HANDLED; i++) {
        const body = await request(i).json();
        const timestamp = Math.floor(Date.now() / 1000) + 86_400;
        const res = Response.json({
          code: 200,
          rtc_auth_token: floorArtc(APP_ID, APP_KEY, body.channel_id, body.user_id, timestamp),
          channel_id: body.channel_id,
          timestamp,
        });
        if ((await res.json()).code === 200) n++;
      }
      return n;
    },
    '@kakehashi/aliyun-aiagent createAppServerHandler': async () => {
      let n = 0;
      for (let i = 0; i < HANDLED; i++) {
        const res = await handler(request(i));
        if ((await res.json()).code === 200) n++;
      }
      return n;
    },
  },
  { work: HANDLED },
);
printTable(
  `getRtcAuthToken handled in process, ${HANDLED} requests (median of 7 rounds)`,
  handled,
  'Request.json + floor token + Response.json (floor)',
  'requests/s',
);
