import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RecordedClose } from './recorded-request';

/**
 * One request/response pair on the scripted server: knows when the response
 * has closed, who closed it, and offers close-aware write and sleep.
 */
export class ScriptedExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Resolves once the response (or its connection) has closed. */
  readonly closed: Promise<RecordedClose>;
  readonly #gone: Promise<void>;
  #isGone = false;
  #cutByServer = false;

  constructor(request: IncomingMessage, response: ServerResponse, isServerClosing: () => boolean) {
    this.request = request;
    this.response = response;
    // A write after the client left must not crash the test process.
    response.on('error', () => {});
    this.closed = new Promise<RecordedClose>((resolve) => {
      response.once('close', () => {
        this.#isGone = true;
        const cutByServer = this.#cutByServer || isServerClosing();
        resolve({ byClient: !response.writableFinished && !cutByServer });
      });
    });
    this.#gone = this.closed.then(() => undefined);
  }

  /** `true` once the response or its connection has closed. */
  get gone(): boolean {
    return this.#isGone;
  }

  /** Resolves when the response closes (used to hold a stalled response open). */
  untilGone(): Promise<void> {
    return this.#gone;
  }

  /** Write one chunk as a single `res.write` and resolve once it is flushed (or the connection is gone). */
  write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0 || this.#isGone) return Promise.resolve();
    const flushed = new Promise<void>((resolve) => {
      this.response.write(chunk, () => resolve());
    });
    return Promise.race([flushed, this.#gone]);
  }

  /** Wait `ms` milliseconds, cut short when the connection goes away. */
  sleep(ms: number): Promise<void> {
    if (this.#isGone) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void this.#gone.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Cut the connection from the server side: a plain close (FIN) or a TCP reset (RST). */
  cut(reset: boolean): void {
    this.#cutByServer = true;
    const socket: Socket | null = this.response.socket ?? this.request.socket;
    if (socket === null) return;
    if (reset && typeof socket.resetAndDestroy === 'function' && !socket.destroyed) {
      try {
        socket.resetAndDestroy();
        return;
      } catch {
        // Not a TCP handle: fall back to a plain close.
      }
    }
    socket.destroy();
  }
}
