import { InvalidArgumentError, redact, REDACTED } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import {
  acs3Authorization,
  acs3CanonicalHeaders,
  acs3CanonicalRequest,
  acs3CanonicalUri,
  acs3Date,
  acs3Signature,
  acs3StringToSign,
  acsPercentEncode,
  acsQueryString,
  EMPTY_BODY_SHA256,
  sha256Hex,
  signAcs3Request,
} from '../src/index';

describe('RFC 3986 encoding', () => {
  it("encodes space as %20, * as %2A, keeps ~ and encodes !'()", () => {
    expect(acsPercentEncode("a b*c~d!e'f(g)h")).toBe('a%20b%2Ac~d%21e%27f%28g%29h');
    expect(acsPercentEncode('日本')).toBe('%E6%97%A5%E6%9C%AC');
    expect(acsPercentEncode('a+b/c=d&e')).toBe('a%2Bb%2Fc%3Dd%26e');
  });

  it('sorts keys in ASCII order, drops undefined and null, keeps empty strings', () => {
    expect(acsQueryString({ b: '2', a: 'x y', B: 1, c: undefined, d: null, e: '' })).toBe('B=1&a=x%20y&b=2&e=');
  });

  it('encodes path segments idempotently', () => {
    expect(acs3CanonicalUri('/')).toBe('/');
    expect(acs3CanonicalUri('')).toBe('');
    expect(acs3CanonicalUri('/a b/c~*')).toBe('/a%20b/c~%2A');
    expect(acs3CanonicalUri('/a%20b/c')).toBe('/a%20b/c');
  });
});

describe('ACS3-HMAC-SHA256 vectors', () => {
  it('matches the published vector e521358f…4804', () => {
    const headers = signAcs3Request({
      method: 'POST',
      host: 'ecs.cn-shanghai.aliyuncs.com',
      query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
      action: 'RunInstances',
      version: '2014-05-26',
      date: '2023-10-26T09:01:01Z',
      nonce: 'd410180a5abf7fe235dd9b74aca91fc0',
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
    });
    expect(headers.Authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804',
    );
    expect(headers).toEqual({
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T09:01:01Z',
      'x-acs-signature-nonce': 'd410180a5abf7fe235dd9b74aca91fc0',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      Authorization: headers.Authorization,
    });
  });

  it('matches the ICE-shaped vector 4297470c…3a27, step by step', () => {
    const input = {
      method: 'POST',
      pathname: '/',
      query: { AIAgentId: 'agent123', Expire: 3600, UserId: 'user_1' },
      headers: {
        host: 'ice.cn-shanghai.aliyuncs.com',
        'x-acs-action': 'GenerateMessageChatToken',
        'x-acs-version': '2020-11-09',
        'x-acs-date': '2025-01-01T00:00:00Z',
        'x-acs-signature-nonce': '0123456789abcdef0123456789abcdef',
        'x-acs-content-sha256': EMPTY_BODY_SHA256,
      },
      hashedPayload: EMPTY_BODY_SHA256,
    };
    const { canonicalRequest, signedHeaders } = acs3CanonicalRequest(input);
    expect(canonicalRequest).toBe(
      [
        'POST',
        '/',
        'AIAgentId=agent123&Expire=3600&UserId=user_1',
        'host:ice.cn-shanghai.aliyuncs.com\nx-acs-action:GenerateMessageChatToken\nx-acs-content-sha256:' +
          EMPTY_BODY_SHA256 +
          '\nx-acs-date:2025-01-01T00:00:00Z\nx-acs-signature-nonce:0123456789abcdef0123456789abcdef\nx-acs-version:2020-11-09\n',
        signedHeaders,
        EMPTY_BODY_SHA256,
      ].join('\n'),
    );
    const stringToSign = acs3StringToSign(canonicalRequest);
    expect(stringToSign).toBe('ACS3-HMAC-SHA256\ne3e88bdf0862c2fe0c410612a29928506853c8e4a2f0a0e59a24d436ce436a5a');
    expect(acs3Signature('testSecret', stringToSign)).toBe(
      '4297470c22821cf13a80714d479d13ab1ee80028245354931dc6c356b7f43a27',
    );

    const headers = signAcs3Request({
      host: 'ice.cn-shanghai.aliyuncs.com',
      query: { AIAgentId: 'agent123', Expire: 3600, UserId: 'user_1' },
      action: 'GenerateMessageChatToken',
      version: '2020-11-09',
      date: new Date('2025-01-01T00:00:00.000Z'),
      nonce: '0123456789abcdef0123456789abcdef',
      accessKeyId: 'testAK',
      accessKeySecret: 'testSecret',
    });
    expect(headers.Authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=4297470c22821cf13a80714d479d13ab1ee80028245354931dc6c356b7f43a27',
    );
  });

  it('matches the SDK unit-test vector 0f2d5495…eeac (method "undefined", empty path, duplicate header)', () => {
    const payload = '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23';
    const sign = (input: Parameters<typeof acs3CanonicalRequest>[0]) => {
      const { canonicalRequest, signedHeaders } = acs3CanonicalRequest(input);
      return acs3Authorization('acesskey', signedHeaders, acs3Signature('secret', acs3StringToSign(canonicalRequest)));
    };
    // The SDK test leaves method and pathname unset: its canonical request starts with "undefined" and an empty URI.
    expect(
      sign({
        method: 'undefined',
        pathname: '',
        query: { test: 'ok', empty: '' },
        headers: { 'x-acs-TEST': 'https', 'x-acs-test': 'http' },
        hashedPayload: payload,
      }),
    ).toBe(
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=0f2d549523cf082c83bb8135b5863614f7fe16ca7c2c7fc537e74d67374eeeac',
    );
    expect(sign({ method: 'undefined', pathname: '', hashedPayload: payload })).toBe(
      'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=,Signature=608b887e491f3e88e85276b188a4d24e29230a559464685ccbf2dcc458e1fde8',
    );
    expect(acs3CanonicalHeaders({ 'x-acs-TEST': 'https', 'x-acs-test': ' http ' })).toEqual({
      canonicalHeaders: 'x-acs-test:http,https\n',
      signedHeaders: 'x-acs-test',
    });
  });
});

describe('signAcs3Request', () => {
  it('signs content-type and x-acs-* headers, hashes the body, adds the STS token, keeps other headers unsigned', () => {
    const body = '{"a":1}';
    const headers = signAcs3Request({
      method: 'put',
      host: 'example.aliyuncs.com',
      pathname: '/v1/items',
      headers: {
        'Content-Type': 'application/json',
        accept: 'application/json',
        'x-acs-action': 'ignored',
        authorization: 'x',
      },
      body: new TextEncoder().encode(body),
      action: 'PutItem',
      version: '2024-01-01',
      date: '2025-01-01T00:00:00Z',
      nonce: 'n0nce',
      accessKeyId: 'id',
      accessKeySecret: 'acs-secret-value-1',
      securityToken: 'sts-token-value-1',
    });
    expect(headers['x-acs-content-sha256']).toBe(sha256Hex(body));
    expect(headers['x-acs-action']).toBe('PutItem');
    expect(headers['x-acs-security-token']).toBe('sts-token-value-1');
    expect(headers.accept).toBe('application/json');
    expect(Object.keys(headers).filter((k) => k.toLowerCase() === 'authorization')).toEqual(['Authorization']);
    expect(headers.Authorization).toContain(
      'SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,',
    );
    // The same inputs through the low-level pieces give the same signature.
    const { canonicalRequest } = acs3CanonicalRequest({
      method: 'PUT',
      pathname: '/v1/items',
      headers,
      hashedPayload: sha256Hex(body),
    });
    expect(
      headers.Authorization!.endsWith(
        `Signature=${acs3Signature('acs-secret-value-1', acs3StringToSign(canonicalRequest))}`,
      ),
    ).toBe(true);
    // Secrets are registered for redaction.
    expect(redact('secret acs-secret-value-1 token sts-token-value-1')).toBe(`secret ${REDACTED} token ${REDACTED}`);
  });

  it('fills date and nonce when not given', () => {
    const headers = signAcs3Request({
      host: 'h.example',
      action: 'A',
      version: 'v',
      accessKeyId: 'id',
      accessKeySecret: 'secret-x',
    });
    expect(headers['x-acs-date']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(headers['x-acs-signature-nonce']).toMatch(/^[0-9a-f]{32}$/);
    expect(acs3Date(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('2024-01-02T03:04:05Z');
  });

  it('rejects bad input naming the field, without echoing the secret', () => {
    const base = {
      host: 'h.example',
      action: 'A',
      version: 'v',
      accessKeyId: 'id',
      accessKeySecret: 'very-secret-value',
    };
    const fails = (patch: Record<string, unknown>, field: string) => {
      try {
        signAcs3Request({ ...base, ...patch } as never);
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe(field);
        expect(String(error)).not.toContain('very-secret-value');
        return;
      }
      throw new Error(`expected ${field} to be rejected`);
    };
    fails({ host: 'https://h.example/' }, 'host');
    fails({ accessKeySecret: '' }, 'accessKeySecret');
    fails({ action: undefined }, 'action');
    fails({ date: '2025-01-01 00:00:00' }, 'date');
    fails({ pathname: 'no-slash' }, 'pathname');
    fails({ headers: { 'x-acs-a': 'a\r\nb' } }, 'headers.x-acs-a');
    fails({ extra: 1 }, 'signAcs3Request.extra');
  });
});
