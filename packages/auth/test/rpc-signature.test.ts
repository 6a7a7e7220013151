import { describe, expect, it } from 'vitest';
import {
  acsQueryString,
  InvalidArgumentError,
  rpcSignatureV1,
  rpcStringToSignV1,
  signRpcRequestV1,
} from '../src/index';

const VECTOR_PARAMS = {
  AccessKeyId: 'testid',
  Action: 'DescribeRegions',
  Format: 'XML',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
  SignatureVersion: '1.0',
  Timestamp: '2016-02-23T12:46:24Z',
  Version: '2014-05-26',
};

describe('legacy RPC signature (HMAC-SHA1, SignatureVersion 1.0)', () => {
  it('matches the published vector OLeaidS1JvxuMvnyHOwuJ+uX5qY=', () => {
    expect(rpcSignatureV1({ method: 'GET', params: VECTOR_PARAMS, accessKeySecret: 'testsecret' })).toBe(
      'OLeaidS1JvxuMvnyHOwuJ+uX5qY=',
    );
  });

  it('matches the TimeStamp-spelled variant CT9X0VtwR86fNWSnsc6v8YGOjuE=', () => {
    const { Timestamp, ...rest } = VECTOR_PARAMS;
    expect(
      rpcSignatureV1({ method: 'GET', params: { ...rest, TimeStamp: Timestamp }, accessKeySecret: 'testsecret' }),
    ).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });

  it('builds the string to sign with the encoded, sorted parameters', () => {
    expect(rpcStringToSignV1('get', { b: 'x y', a: '1:2' })).toBe('GET&%2F&a%3D1%253A2%26b%3Dx%2520y');
  });

  it('signRpcRequestV1 adds the common parameters and a matching Signature', () => {
    const params = signRpcRequestV1({
      method: 'GET',
      action: 'DescribeRegions',
      version: '2014-05-26',
      format: 'XML',
      accessKeyId: 'testid',
      accessKeySecret: 'testsecret',
      timestamp: '2016-02-23T12:46:24Z',
      nonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    });
    expect(params).toEqual({ ...VECTOR_PARAMS, Signature: 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=' });
    expect(acsQueryString(params)).toContain('Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D');
  });

  it('rejects bad input naming the field', () => {
    expect(() => rpcSignatureV1({ params: {}, accessKeySecret: '' })).toThrow(InvalidArgumentError);
    expect(() => rpcSignatureV1({ params: undefined as never, accessKeySecret: 'x' })).toThrow(/"params"/);
    expect(() => signRpcRequestV1({ action: '', version: 'v', accessKeyId: 'a', accessKeySecret: 's' })).toThrow(
      /"action"/,
    );
  });
});
