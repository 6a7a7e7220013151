import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '@kakehashi/testkit';
import {
  ConnectionError,
  InvalidArgumentError,
  httpRequest,
  type FetchFunction,
  type Transport,
} from '@kakehashi/sse-core';
import { rejectionOf } from './helpers';

// A network failure is worth retrying; a programming error (a bad header value, a broken transport, a
// fetch that trips over its own arguments) fails the same way every time. Both often arrive as a
// `TypeError`, and every runtime words them differently: the shapes below are what Node, Bun, Deno,
// workerd and the browsers were measured to reject with.

const fastRetry = { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 2 };
let server: ScriptedServer;

afterEach(async () => {
  await server?.close();
});

const transports: [string, FetchFunction | undefined][] = [
  ['the default transport (undici on Node)', undefined],
  ['the global fetch (the default on Bun, Deno, Workers and browsers)', globalThis.fetch],
];

describe.each(transports)('bad headers over %s', (_name, fetchFn) => {
  it('a header value with a line break is refused before sending, naming the header but not its value', async () => {
    server = await startScriptedServer();
    server.handle(() => ({ body: 'never' }));
    const error = await rejectionOf(
      httpRequest({
        url: server.url,
        fetch: fetchFn,
        headers: { authorization: 'Bearer secret-value-123\r\nx-injected: 1' },
        retry: fastRetry,
      }),
    );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('headers.authorization');
    expect((error as Error).message).not.toContain('secret-value-123');
    expect(server.requests).toHaveLength(0);
  });

  it('a header name that is not a token is refused before sending', async () => {
    server = await startScriptedServer();
    const error = await rejectionOf(
      httpRequest({ url: server.url, fetch: fetchFn, headers: { 'x bad': 'v' }, retry: fastRetry }),
    );
    expect((error as InvalidArgumentError).argument).toBe('headers.x bad');
    expect(server.requests).toHaveLength(0);
  });
});

/** A fetch that fails the same way on every call, counting the calls. */
function failingFetch(make: () => unknown, how: 'reject' | 'throw' = 'reject'): FetchFunction & { calls: number } {
  const fn = (() => {
    fn.calls++;
    if (how === 'throw') throw make();
    return Promise.reject(make());
  }) as unknown as FetchFunction & { calls: number };
  fn.calls = 0;
  return fn;
}

const withCode = <E extends Error>(error: E, code: string): E => Object.assign(error, { code });

const networkFailures: [string, () => unknown][] = [
  [
    'Node (undici fetch): fetch failed, caused by ECONNREFUSED',
    () =>
      new TypeError('fetch failed', { cause: withCode(new Error('connect ECONNREFUSED 127.0.0.1:9'), 'ECONNREFUSED') }),
  ],
  [
    'Node (undici fetch): terminated, caused by a closed socket',
    () => new TypeError('terminated', { cause: withCode(new Error('other side closed'), 'UND_ERR_SOCKET') }),
  ],
  [
    'Bun: ECONNREFUSED with its code',
    () =>
      withCode(
        new TypeError('ECONNREFUSED: Unable to connect. Is the computer able to access the url?'),
        'ECONNREFUSED',
      ),
  ],
  [
    'Bun: ECONNRESET with its code',
    () => withCode(new TypeError('ECONNRESET: The socket connection was closed unexpectedly.'), 'ECONNRESET'),
  ],
  [
    'Deno: fetch failed, caused by a refused connect',
    () =>
      new TypeError('fetch failed', {
        cause: new Error(
          'error sending request for url (http://127.0.0.1:9/): client error (Connect): tcp connect error',
        ),
      }),
  ],
  ['Deno: a body cut short', () => new TypeError('error reading a body from connection')],
  ['Chromium: Failed to fetch', () => new TypeError('Failed to fetch')],
  ['Chromium: a body cut short (network error)', () => new TypeError('network error')],
  ['Firefox: NetworkError', () => new TypeError('NetworkError when attempting to fetch resource.')],
  ['Safari: Load failed', () => new TypeError('Load failed')],
  ['workerd: Network connection lost', () => new Error('Network connection lost.')],
  ['a DOMException NetworkError', () => new DOMException('connection failed', 'NetworkError')],
];

describe('network failures from a fetch are retryable ConnectionErrors', () => {
  it.each(networkFailures)('%s', async (_name, make) => {
    const fetchFn = failingFetch(make);
    const error = await rejectionOf(httpRequest({ url: 'http://127.0.0.1:9/x', fetch: fetchFn, retry: fastRetry }));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as ConnectionError).retryable).toBe(true);
    expect((error as ConnectionError).cause).toBeDefined();
    expect(fetchFn.calls).toBe(1 + fastRetry.maxRetries);
  });
});

const programmingErrors: [string, () => unknown, 'reject' | 'throw'][] = [
  [
    'Node: an invalid header value',
    () => new TypeError('Headers.append: "a\nb" is an invalid header value.'),
    'reject',
  ],
  [
    'Node: a URL fetch cannot parse (a TypeError caused by ERR_INVALID_URL)',
    () =>
      new TypeError('Failed to parse URL from x', { cause: withCode(new TypeError('Invalid URL'), 'ERR_INVALID_URL') }),
    'reject',
  ],
  [
    'Bun: a GET with a body (ERR_INVALID_ARG_VALUE)',
    () => withCode(new TypeError('fetch() request with GET/HEAD method cannot have body.'), 'ERR_INVALID_ARG_VALUE'),
    'reject',
  ],
  ['Deno: an invalid header value', () => new TypeError('Invalid header value: "a\nb"'), 'reject'],
  [
    'a fetch that throws synchronously',
    () => new TypeError("Cannot read properties of undefined (reading 'agent')"),
    'throw',
  ],
  [
    'a fetch that throws synchronously, even a network-looking error (nothing was sent)',
    () => new TypeError('fetch failed'),
    'throw',
  ],
  ['a RangeError from the caller’s code', () => new RangeError('Invalid time value'), 'reject'],
];

describe('programming errors from a fetch surface as they are, once', () => {
  it.each(programmingErrors)('%s', async (_name, make, how) => {
    const fetchFn = failingFetch(make, how);
    const error = await rejectionOf(httpRequest({ url: 'http://127.0.0.1:9/x', fetch: fetchFn, retry: fastRetry }));
    expect(ConnectionError.isInstance(error)).toBe(false);
    expect(error).toBeInstanceOf(Error);
    expect(fetchFn.calls).toBe(1);
  });
});

describe('a broken transport', () => {
  it('is not filed as a retryable ConnectionError (the Bun symptom: dispatch is not a function)', async () => {
    let calls = 0;
    const broken: Transport = () => {
      calls++;
      throw new TypeError('getSharedAgent().dispatch is not a function');
    };
    const error = await rejectionOf(httpRequest({ url: 'http://127.0.0.1:9/x', transport: broken, retry: fastRetry }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('getSharedAgent().dispatch is not a function');
    expect(calls).toBe(1);
  });

  it('a transport rejecting with a system error (ECONNRESET) is still a retryable ConnectionError', async () => {
    let calls = 0;
    const flaky: Transport = async () => {
      calls++;
      throw withCode(new Error('read ECONNRESET'), 'ECONNRESET');
    };
    const error = await rejectionOf(httpRequest({ url: 'http://127.0.0.1:9/x', transport: flaky, retry: fastRetry }));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('ECONNRESET');
    expect(calls).toBe(3);
  });
});

describe('a headers function that fails', () => {
  it('surfaces its own error, once: not the network’s doing (Deno’s NotCapable for an env read, a bug)', async () => {
    server = await startScriptedServer();
    let calls = 0;
    const denied = Object.assign(new Error('Requires env access to "X_API_KEY"'), { name: 'NotCapable' });
    const error = await rejectionOf(
      httpRequest({
        url: server.url,
        headers: () => {
          calls++;
          throw denied;
        },
        retry: fastRetry,
      }),
    );
    expect(error).toBe(denied);
    expect(calls).toBe(1);
    expect(server.requests).toHaveLength(0);
  });
});
