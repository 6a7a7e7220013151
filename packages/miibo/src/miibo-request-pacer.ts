import { AbortError } from '@kakehashi/sse-core';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Spaces request starts at least `minIntervalMs` apart, first come first served (miibo asks for no
 * more than about one request per second). A caller whose signal aborts while queued leaves the
 * queue with `AbortError` and takes no slot. `minIntervalMs` 0 lets everything through at once.
 */
export class RequestPacer {
  private readonly queue: Waiter[] = [];
  private nextFreeAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly minIntervalMs: number) {}

  /** Resolves when the caller may send its request. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (this.minIntervalMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index !== -1) this.queue.splice(index, 1);
          reject(new AbortError(signal.reason));
          this.pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    while (this.queue.length > 0) {
      const now = performance.now();
      const wait = this.nextFreeAt - now;
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const waiter = this.queue.shift()!;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.nextFreeAt = now + this.minIntervalMs;
      waiter.resolve();
    }
  }
}
