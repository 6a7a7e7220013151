/**
 * Helpers of the storage fault suites (store-faults-*.test.ts): miibo's webhook deliveries replayed
 * at a moment the test chooses, a second process holding a SQLite write lock, a chat stream read
 * event by event, and a bound on how long a request may hang.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { MiiboSimulator, MiiboWebhookDelivery } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { freePort } from './postgres-cluster';
import { deliveryFor, groupStartBody, postJson } from './server-harness';

export const ADMIN_KEY = 'sim-admin-api-key-0001';
export const WEBHOOK_PATH = '/webhooks/miibo/agent-groups';

/** A loopback URL nothing listens on: the server's public URL, so miibo's own delivery fails and the test delivers it when it chooses. */
export async function unreachableUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** A started group and miibo's (failed) delivery of its result, ready to be delivered again. */
export interface StartedGroup {
  groupId: string;
  delivery: MiiboWebhookDelivery;
  /** The delivered `result`. */
  result: unknown;
}

/** Starts a group through the server (`POST /v1/agent-groups`: 200) and waits for miibo's delivery attempt. */
export async function startGroup(url: string, miibo: MiiboSimulator): Promise<StartedGroup> {
  const res = await postJson(`${url}/v1/agent-groups`, groupStartBody());
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const { groupId } = JSON.parse(text) as { groupId: string };
  const delivery = await deliveryFor(miibo, groupId);
  return { groupId, delivery, result: (JSON.parse(delivery.body) as { result: unknown }).result };
}

/** Sends miibo's delivery again, byte for byte with its headers, as miibo's retry would. */
export function deliver(url: string, delivery: MiiboWebhookDelivery): Promise<Response> {
  const headers = Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => name !== 'content-length'));
  return fetch(`${url}${WEBHOOK_PATH}`, { method: 'POST', headers, body: delivery.body });
}

/** Delivers until the server acknowledges (2xx), as miibo's retries would; every refusal must be a 503 with Retry-After. */
export async function deliverUntilAcknowledged(
  url: string,
  delivery: MiiboWebhookDelivery,
  attempts = 30,
): Promise<{ response: Response; refusals: number }> {
  for (let refusals = 0; ; refusals++) {
    const response = await deliver(url, delivery);
    if (response.ok || refusals + 1 >= attempts) return { response, refusals };
    expectUnavailable(response, await response.text());
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A store-unavailable answer: 503 with a `Retry-After` of whole seconds. */
export function expectUnavailable(res: Response, text: string): void {
  expect(res.status, text).toBe(503);
  expect(res.headers.get('retry-after'), 'Retry-After').toMatch(/^\d+$/);
}

/** GET /v1/agent-groups/:id: the status and body. */
export async function readGroup(
  url: string,
  groupId: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/agent-groups/${groupId}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every acknowledged delivery reads back completed with exactly the delivered result. */
export async function expectAllReadable(url: string, acknowledged: StartedGroup[]): Promise<void> {
  for (const group of acknowledged) {
    expect(await readGroup(url, group.groupId)).toEqual({
      status: 200,
      body: { groupId: group.groupId, status: 'completed', result: group.result },
    });
  }
}

/**
 * Runs `request` and resolves with its answer and how long it took; fails when it takes longer than
 * `hangMs` (a hang bound: the request must answer at all, not fast).
 */
export async function answeredWithin<T>(hangMs: number, request: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${hangMs} ms`)), hangMs);
  });
  try {
    const value = await Promise.race([request(), hang]);
    return { value, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /healthz`'s status, answered within `hangMs`. */
export async function healthz(url: string, hangMs = 15_000): Promise<number> {
  const { value } = await answeredWithin(hangMs, () => fetch(`${url}/healthz`));
  await value.body?.cancel();
  return value.status;
}

/**
 * Polls `GET /healthz` until it answers `expected` (it answers its last check for up to a second, so
 * right after a change it may still give the old answer); fails after `hangMs` or on any status but
 * 200 and 503. Resolves with how many other answers came first.
 */
export async function healthzBecomes(url: string, expected: 200 | 503, hangMs = 15_000): Promise<number> {
  const until = Date.now() + hangMs;
  for (let others = 0; ; others++) {
    const status = await healthz(url, hangMs);
    if (status === expected) return others;
    expect([200, 503]).toContain(status);
    if (Date.now() > until) throw new Error(`/healthz still ${status} after ${hangMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A second process holding a SQLite write lock (`BEGIN IMMEDIATE`) on a file until released. */
export interface SqliteLockHolder {
  /** Commits the empty transaction and waits until the process has exited. */
  release(): Promise<void>;
}

const LOCK_SCRIPT = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.env.LOCK_PATH);
db.exec('PRAGMA busy_timeout = 10000');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.once('data', () => {
  db.exec('COMMIT');
  db.close();
  process.exit(0);
});
`;

/** Spawns `node -e` opening `path` with node:sqlite and holding `BEGIN IMMEDIATE`; resolves once it holds the lock. */
export async function holdSqliteWriteLock(path: string): Promise<SqliteLockHolder> {
  const child = spawn(process.execPath, ['--no-warnings', '-e', LOCK_SCRIPT], {
    env: { ...process.env, LOCK_PATH: path },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', (line) => (line === 'locked' ? resolve() : reject(new Error(`lock holder said ${line}`))));
    void exited.then((code) => reject(new Error(`lock holder exited (${code}) before locking: ${stderr}`)));
  });
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        child.stdin.end('release\n');
        const code = await exited;
        if (code !== 0) throw new Error(`lock holder exited with ${code}: ${stderr}`);
      })();
      return released;
    },
  };
}

/** A chat stream (`/v1/chat/completions`, stream: true) read chunk by chunk in the background. */
export interface ChatStream {
  /** How many chunks have arrived so far. */
  received(): number;
  /** Resolves once `count` chunks have arrived. */
  waitFor(count: number): Promise<void>;
  /** Resolves with the whole answer text once the stream has ended. */
  readonly done: Promise<string>;
}

/**
 * Opens a streamed chat turn with the OpenAI SDK against the server's `miibo` model. With `history`
 * (earlier user/assistant turns) the server first looks the conversation up in its store.
 */
export async function openChatStream(
  url: string,
  utterance: string,
  history: Array<{ role: 'user' | 'assistant'; content: string }> = [],
): Promise<ChatStream> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-key-123456', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'miibo',
    stream: true,
    messages: [...history, { role: 'user', content: utterance }],
  });
  let count = 0;
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const done = (async () => {
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      count++;
      for (const w of waiters) {
        if (count < w.count) continue;
        waiters.delete(w);
        w.resolve();
      }
    }
    return text;
  })();
  done.catch(() => {});
  return {
    received: () => count,
    waitFor: (target) =>
      count >= target
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.add({ count: target, resolve })),
            done.then(() => {
              throw new Error(`the chat stream ended after ${count} chunks, before ${target}`);
            }),
          ]),
    done,
  };
}
