import { AbortError } from '@kakehashi/sse-core';

interface Waiter {
  resolve(): void;
  signals: readonly AbortSignal[];
  onAbort: (() => void) | undefined;
}

function firstAborted(signals: readonly AbortSignal[]): AbortSignal | undefined {
  for (const s of signals) if (s.aborted) return s;
  return undefined;
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

  /** Resolves when the caller may send its request; any one of `signals` aborting takes it out of the queue. */
  acquire(signals: readonly AbortSignal[] = []): Promise<void> {
    const aborted = firstAborted(signals);
    if (aborted) return Promise.reject(new AbortError(aborted.reason));
    if (this.minIntervalMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, signals, onAbort: undefined };
      if (signals.length > 0) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index === -1) return;
          this.queue.splice(index, 1);
          this.unlisten(waiter);
          reject(new AbortError(firstAborted(signals)?.reason));
          if (this.queue.length === 0 && this.timer !== undefined) {
            // Nobody is left to wake: do not keep the process alive for the rest of the interval.
            clearTimeout(this.timer);
            this.timer = undefined;
          }
        };
        for (const s of signals) s.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  private unlisten(waiter: Waiter): void {
    if (waiter.onAbort) for (const s of waiter.signals) s.removeEventListener('abort', waiter.onAbort);
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
      this.unlisten(waiter);
      this.nextFreeAt = now + this.minIntervalMs;
      waiter.resolve();
    }
  }
}
