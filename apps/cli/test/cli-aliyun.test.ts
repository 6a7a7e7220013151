import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIYUN_ICE_SIM_AGENT_ID, startAliyunIceSimulator, type AliyunIceSimulator } from '@kakehashi/testkit';
import { cleanEnv, runCli } from './cli-process';

let ice: AliyunIceSimulator;
beforeAll(async () => {
  ice = await startAliyunIceSimulator();
});
afterAll(async () => {
  await ice?.close();
});

describe('kakehashi aliyun', () => {
  it('rtc-token builds an ARTC token from the app id and key, and never prints the key', async () => {
    const env = cleanEnv({ ALIYUN_RTC_APP_ID: 'cli-app', ALIYUN_RTC_APP_KEY: 'cli-secret-app-key-0001' });
    const run = await runCli(['aliyun', 'rtc-token', '--user', 'u1', '--channel', 'room-1'], env);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { rtcAuthToken: string; channelId: string };
    expect(out.channelId).toBe('room-1');
    const token = JSON.parse(Buffer.from(out.rtcAuthToken, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(token).toMatchObject({ appid: 'cli-app', channelid: 'room-1', userid: 'u1' });
    expect(run.stdout + run.stderr).not.toContain('cli-secret-app-key-0001');
  });

  it('rtc-token without the app key exits 2 naming ALIYUN_RTC_APP_KEY', async () => {
    const run = await runCli(['aliyun', 'rtc-token', '--user', 'u1'], cleanEnv({ ALIYUN_RTC_APP_ID: 'cli-app' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ALIYUN_RTC_APP_KEY');
  });

  it('chat-token asks ICE with a signed request', async () => {
    const env = cleanEnv({
      ALIYUN_ICE_ENDPOINT: ice.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: ice.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ice.accessKeySecret,
    });
    const run = await runCli(['aliyun', 'chat-token', '--user', 'u_1', '--agent', ALIYUN_ICE_SIM_AGENT_ID], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(ice.calls.at(-1)?.action).toBe('GenerateMessageChatToken');
    expect(run.stdout).not.toContain(ice.accessKeySecret);
  });

  it('needs --user', async () => {
    expect((await runCli(['aliyun', 'rtc-token'], cleanEnv())).code).toBe(2);
  });
});
