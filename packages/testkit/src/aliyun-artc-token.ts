import { createHash } from 'node:crypto';

/** The `gslb` entry the documented ARTC example token carries. */
export const ALIYUN_SIM_GSLB = 'https://gw.rtn.aliyuncs.com';

/**
 * The ARTC join token as the AppServer documents it: `hex(sha256(appId+appKey+channelId+userId+nonce+timestamp))`
 * inside base64 JSON `{appid, channelid, userid, nonce, timestamp, gslb, token}`. The simulators' own
 * implementation (testkit depends on nothing), used to mint tokens the SDK's builder can be checked against.
 */
export function simulatorArtcToken(input: {
  appId: string;
  appKey: string;
  channelId: string;
  userId: string;
  timestamp: number;
}): { rtcAuthToken: string; token: string } {
  const token = createHash('sha256')
    .update(`${input.appId}${input.appKey}${input.channelId}${input.userId}${input.timestamp}`)
    .digest('hex');
  const json = JSON.stringify({
    appid: input.appId,
    channelid: input.channelId,
    userid: input.userId,
    nonce: '',
    timestamp: input.timestamp,
    gslb: [ALIYUN_SIM_GSLB],
    token,
  });
  return { rtcAuthToken: Buffer.from(json, 'utf8').toString('base64'), token };
}
