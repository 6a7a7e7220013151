import { InvalidArgumentError } from '@kakehashi/sse-core';
import { simulatorArtcToken } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';
import { artcTokenHash, buildArtcToken } from '../src/index';
import { expectNoSecret } from './helpers';

const EXAMPLE = {
  appId: 'abc',
  appKey: 'abckey',
  channelId: 'abcChannel',
  userId: 'abcUser',
  timestamp: 1_699_423_634,
};
const EXAMPLE_HASH = '3c9ee8d9f8734f0b7560ed8022a0590659113955819724fc9345ab8eedf84f31';
const EXAMPLE_TOKEN =
  'eyJhcHBpZCI6ImFiYyIsImNoYW5uZWxpZCI6ImFiY0NoYW5uZWwiLCJ1c2VyaWQiOiJhYmNVc2VyIiwibm9uY2UiOiIiLCJ0aW1lc3RhbXAiOjE2OTk0MjM2MzQsImdzbGIiOlsiaHR0cHM6Ly9ndy5ydG4uYWxpeXVuY3MuY29tIl0sInRva2VuIjoiM2M5ZWU4ZDlmODczNGYwYjc1NjBlZDgwMjJhMDU5MDY1OTExMzk1NTgxOTcyNGZjOTM0NWFiOGVlZGY4NGYzMSJ9';

describe('buildArtcToken', () => {
  it('reproduces the documented worked example (3c9ee8d9…4f31)', () => {
    expect(artcTokenHash('abc', 'abckey', 'abcChannel', 'abcUser', '', 1_699_423_634)).toBe(EXAMPLE_HASH);
    const built = buildArtcToken(EXAMPLE);
    expect(built.token).toBe(EXAMPLE_HASH);
    expect(built.rtcAuthToken).toBe(EXAMPLE_TOKEN);
    expect(built).toMatchObject({ timestamp: 1_699_423_634, channelId: 'abcChannel', userId: 'abcUser', nonce: '' });
  });

  it('agrees with the simulator’s independent implementation', () => {
    expect(buildArtcToken(EXAMPLE).rtcAuthToken).toBe(simulatorArtcToken(EXAMPLE).rtcAuthToken);
  });

  it('encodes timestamp as a JSON number, leaves gslb out on request, and never contains the app key', () => {
    const built = buildArtcToken({ ...EXAMPLE, appKey: 'super-secret-app-key', gslb: false });
    const json = JSON.parse(Buffer.from(built.rtcAuthToken, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['appid', 'channelid', 'userid', 'nonce', 'timestamp', 'token']);
    expect(typeof json.timestamp).toBe('number');
    expect(Buffer.from(built.rtcAuthToken, 'base64').toString('utf8')).not.toContain('super-secret-app-key');
  });

  it('defaults the expiry to now + 24 h and hashes a given nonce', () => {
    const before = Math.floor(Date.now() / 1000);
    const built = buildArtcToken({ appId: 'a', appKey: 'k', channelId: 'c', userId: 'u' });
    expect(built.timestamp - before).toBeGreaterThanOrEqual(86_400);
    expect(built.timestamp - before).toBeLessThanOrEqual(86_401);
    expect(buildArtcToken({ ...EXAMPLE, nonce: 'n1' }).token).toBe(
      artcTokenHash('abc', 'abckey', 'abcChannel', 'abcUser', 'n1', 1_699_423_634),
    );
    expect(buildArtcToken({ ...EXAMPLE, timestamp: undefined, expiresInSeconds: 60 }).timestamp).toBeLessThanOrEqual(
      Math.floor(Date.now() / 1000) + 60,
    );
  });

  it('rejects bad input naming the field, without echoing the app key', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...EXAMPLE, userId: 'has space' }, 'options.userId'],
      [{ ...EXAMPLE, channelId: 'x'.repeat(65) }, 'options.channelId'],
      [{ ...EXAMPLE, appId: '' }, 'options.appId'],
      [{ ...EXAMPLE, timestamp: 1.5 }, 'options.timestamp'],
      [{ ...EXAMPLE, extra: true }, 'options'],
    ];
    for (const [input, field] of cases) {
      let error: unknown;
      try {
        buildArtcToken({ ...input, appKey: 'artc-secret-key-123' } as never);
      } catch (e) {
        error = e;
      }
      expect(InvalidArgumentError.isInstance(error), field).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(field);
      expectNoSecret(error, ['artc-secret-key-123']);
    }
  });
});
