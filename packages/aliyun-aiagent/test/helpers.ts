import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { KakehashiError } from '@kakehashi/sse-core';
import { expect } from 'vitest';

/** A web-standard handler served on loopback through a minimal node:http ⇄ Request/Response adapter. */
export interface ServedHandler {
  url: string;
  /** How many requests reached the server. */
  readonly count: number;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

export async function serveHandler(handler: (request: Request) => Promise<Response>): Promise<ServedHandler> {
  let count = 0;
  let origin = '';
  const server = createServer((req, res) => {
    count++;
    void (async () => {
      const response = await handler(toRequest(req, origin));
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      res.writeHead(599).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    get count() {
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Awaits a rejection and returns the error (fails the test when the promise resolves). */
export async function caught(promise: Promise<unknown>): Promise<KakehashiError> {
  try {
    await promise;
  } catch (error) {
    expect(KakehashiError.isInstance(error)).toBe(true);
    return error as KakehashiError;
  }
  throw new Error('expected a rejection');
}

/** Asserts none of `secrets` appears in the error's message, JSON form or string form. */
export function expectNoSecret(error: unknown, secrets: string[]): void {
  const text = [String(error), (error as Error).message, JSON.stringify(error), (error as Error).stack ?? ''].join(
    '\n',
  );
  for (const secret of secrets) expect(text).not.toContain(secret);
}
