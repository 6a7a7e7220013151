import { httpRequest } from '@kakehashi/sse-core';
import { startScriptedServer, type RecordedRequest } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';
import { acs3CanonicalRequest, acs3Signature, acs3StringToSign, acsQueryString, signAcs3Request } from '../src/index';
import { jsonReply } from './helpers';

/** What a server would do: rebuild the canonical request from what arrived and check the signature. */
function verify(req: RecordedRequest, secret: string): boolean {
  const auth = req.headers.authorization ?? '';
  const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]*),Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return false;
  const signed = match[2]!.split(';');
  const headers = Object.fromEntries(signed.map((name) => [name, req.headers[name]]));
  const query = Object.fromEntries(req.query.entries());
  const { canonicalRequest, signedHeaders } = acs3CanonicalRequest({
    method: req.method,
    pathname: req.path,
    query,
    headers,
    hashedPayload: req.headers['x-acs-content-sha256'] ?? '',
  });
  return signedHeaders === match[2] && acs3Signature(secret, acs3StringToSign(canonicalRequest)) === match[3];
}

describe('a signed request over real HTTP', () => {
  for (const via of ['undici', 'fetch'] as const) {
    it(`arrives verifiable (${via} transport)`, async () => {
      const server = await startScriptedServer(() => jsonReply({ RequestId: 'r-1' }));
      try {
        const host = new URL(server.url).host;
        const query = { AIAgentId: 'agent 1*~', UserId: 'user_1', Expire: 3600, Config: '{"a":"b c"}' };
        const body = 'x=日本語';
        const headers = signAcs3Request({
          host,
          query,
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          action: 'GenerateMessageChatToken',
          version: '2020-11-09',
          accessKeyId: 'AKID',
          accessKeySecret: 'wire-secret-0001',
        });
        const res = await httpRequest({
          url: `${server.url}/?${acsQueryString(query)}`,
          method: 'POST',
          headers,
          body: { raw: body },
          read: 'buffer',
          ...(via === 'fetch' ? { fetch: globalThis.fetch } : {}),
        });
        expect(await res.json()).toEqual({ RequestId: 'r-1' });
        const [req] = server.requests;
        expect(req!.headers.host).toBe(host);
        expect(req!.query.get('AIAgentId')).toBe('agent 1*~');
        expect(verify(req!, 'wire-secret-0001')).toBe(true);
        expect(verify(req!, 'other-secret')).toBe(false);
      } finally {
        await server.close();
      }
    });
  }
});
