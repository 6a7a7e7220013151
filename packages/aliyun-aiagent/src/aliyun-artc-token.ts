import { sha256Hex } from '@kakehashi/auth';
import { registerSecret, validateArgument } from '@kakehashi/sse-core';
import { z } from 'zod';

/** Standard base64 of a string's UTF-8 bytes (`btoa`, which every runtime has, unlike `Buffer`). */
function utf8Base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The `gslb` entry of the documented ARTC token example. */
export const ARTC_DEFAULT_GSLB: readonly string[] = Object.freeze(['https://gw.rtn.aliyuncs.com']);
/** Default lifetime of an ARTC token: 24 hours, the documented maximum. */
export const ARTC_DEFAULT_TTL_SECONDS = 86_400;

/** Channel and user ids: letters, digits, `_` and `-`, 1 to 64 characters (ARTC's documented limits). */
export const ARTC_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Options of {@link buildArtcToken}. Unknown keys are rejected. */
export interface ArtcTokenOptions {
  /** ARTC application id (`ALIYUN_RTC_APP_ID`). */
  appId: string;
  /** ARTC application key (`ALIYUN_RTC_APP_KEY`). Secret: registered for redaction, never part of the token. */
  appKey: string;
  /** The channel to join: `[A-Za-z0-9_-]`, at most 64 characters. */
  channelId: string;
  /** The user joining: `[A-Za-z0-9_-]`, at most 64 characters. */
  userId: string;
  /** Absolute expiry in Unix seconds. Default: now + `expiresInSeconds`. */
  timestamp?: number;
  /** Lifetime when `timestamp` is not given, in seconds. Default 86,400 (24 h, the documented maximum). */
  expiresInSeconds?: number;
  /** Nonce, hashed after the user id. Default `''` (recommended; some official helpers ignore a non-empty one). */
  nonce?: string;
  /** `gslb` list written into the token, or `false` to leave the field out. Default {@link ARTC_DEFAULT_GSLB}. */
  gslb?: readonly string[] | false;
}

/** A built ARTC token. */
export interface ArtcToken {
  /** What clients receive as `rtc_auth_token`: standard base64 (padded, unwrapped) of the token JSON. */
  rtcAuthToken: string;
  /** The inner `token`: lower-case hex SHA-256 of `appId + appKey + channelId + userId + nonce + timestamp`. */
  token: string;
  /** Absolute expiry in Unix seconds. */
  timestamp: number;
  /** The app id in the token. */
  appId: string;
  /** The channel the token is for. */
  channelId: string;
  /** The user the token is for. */
  userId: string;
  /** The nonce hashed (`''` by default). */
  nonce: string;
}

const artcId = (what: string) =>
  z.string().regex(ARTC_ID_PATTERN, `${what} must be 1-64 characters of letters, digits, "_" or "-"`);

/** Schema of {@link ArtcTokenOptions}. */
export const artcTokenOptionsSchema = z.strictObject({
  appId: z.string().min(1, 'must not be empty'),
  appKey: z.string().min(1, 'must not be empty'),
  channelId: artcId('channelId'),
  userId: artcId('userId'),
  timestamp: z.number().int().positive().optional(),
  expiresInSeconds: z.number().int().positive().optional(),
  nonce: z.string().optional(),
  gslb: z.union([z.array(z.string().url()).readonly(), z.literal(false)]).optional(),
});

const FAST_KEYS = new Set(['appId', 'appKey', 'channelId', 'userId', 'timestamp', 'expiresInSeconds', 'nonce']);
let lastRegisteredKey: string | undefined;

const isPositiveInt = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v > 0);

/** True only for options the schema surely accepts (no `gslb`, no unknown keys, every field well-formed). */
function isPlainValidOptions(o: unknown): o is ArtcTokenOptions {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype) return false;
  const r = o as Record<string, unknown>;
  for (const key in r) if (!FAST_KEYS.has(key)) return false;
  return (
    typeof r.appId === 'string' &&
    r.appId.length > 0 &&
    typeof r.appKey === 'string' &&
    r.appKey.length > 0 &&
    typeof r.channelId === 'string' &&
    ARTC_ID_PATTERN.test(r.channelId) &&
    typeof r.userId === 'string' &&
    ARTC_ID_PATTERN.test(r.userId) &&
    isPositiveInt(r.timestamp) &&
    isPositiveInt(r.expiresInSeconds) &&
    (r.nonce === undefined || typeof r.nonce === 'string')
  );
}

/**
 * The inner ARTC `token`: `hex(sha256(appId + appKey + channelId + userId + nonce + timestamp))`, plain
 * concatenation with the timestamp as a decimal integer. No validation (see {@link buildArtcToken}).
 */
export function artcTokenHash(
  appId: string,
  appKey: string,
  channelId: string,
  userId: string,
  nonce: string,
  timestamp: number,
): string {
  return sha256Hex(appId + appKey + channelId + userId + nonce + String(timestamp));
}

/**
 * Builds the ARTC join token the AppServer's `getRtcAuthToken` returns, as documented: the SHA-256
 * `token` inside `base64(JSON{appid, channelid, userid, nonce, timestamp, gslb?, token})`, with
 * `timestamp` a JSON number (the absolute expiry in seconds). Checked against the documented example
 * (`abc`/`abckey`/`abcChannel`/`abcUser`/1699423634 → `3c9ee8d9…4f31`).
 *
 * @throws InvalidArgumentError naming the field (`options.userId`, …).
 */
export function buildArtcToken(options: ArtcTokenOptions): ArtcToken {
  // Hot path (one token per call join): a plain check that accepts a subset of what the schema accepts;
  // anything else goes through the schema, which names the field and the reason.
  const o = isPlainValidOptions(options) ? options : validateArgument(artcTokenOptionsSchema, options, 'options');
  if (o.appKey !== lastRegisteredKey) {
    registerSecret(o.appKey);
    lastRegisteredKey = o.appKey;
  }
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000) + (o.expiresInSeconds ?? ARTC_DEFAULT_TTL_SECONDS);
  const nonce = o.nonce ?? '';
  const token = artcTokenHash(o.appId, o.appKey, o.channelId, o.userId, nonce, timestamp);
  const gslb = o.gslb === undefined ? ARTC_DEFAULT_GSLB : o.gslb;
  const json =
    gslb === false
      ? { appid: o.appId, channelid: o.channelId, userid: o.userId, nonce, timestamp, token }
      : { appid: o.appId, channelid: o.channelId, userid: o.userId, nonce, timestamp, gslb, token };
  const rtcAuthToken = utf8Base64(JSON.stringify(json));
  return { rtcAuthToken, token, timestamp, appId: o.appId, channelId: o.channelId, userId: o.userId, nonce };
}
