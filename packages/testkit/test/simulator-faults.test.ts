import { createHmac, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALIYUN_APPSERVER_SIM_AUTHORIZATION,
  ALIYUN_ICE_SIM_INSTANCE_ID,
  ALIYUN_ICE_SIM_VERSION,
  CODEER_SIM_AGENT_ID,
  CODEER_SIM_API_KEY,
  rejectionOf,
  startAgenticStarSimulator,
  startAliyunAppServerSimulator,
  startAliyunIceSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  type RecordedRequest,
  type SimulatorFaultKnobs,
  type SimulatorFaultState,
} from '../src/index';
import { acs3ServerStringToSign, acsSha256Hex } from '../src/aliyun-acs3-verify';

/** Every simulator: the shared knobs, chaining, and the armed faults. */
interface Knobs extends SimulatorFaultKnobs<Knobs> {
  readonly faults: SimulatorFaultState;
}

/** What the shared tests need from one simulator: its knobs, and the request its stream faults hit. */
interface Subject {
  readonly knobs: Knobs;
  readonly requests: RecordedRequest[];
  /** Sends the request the knobs are tested on (a stream for the streaming simulators). */
  send(signal?: AbortSignal): Promise<Response>;
  /** The events of a body (streaming simulators) — `undefined` for whole JSON bodies. */
  events?(body: string): string[];
  /** Whether an event carries answer text. */
  carriesText?(event: string): boolean;
  /** Parses an event's JSON (throws when it is malformed). */
  parse?(event: string): unknown;
  close(): Promise<void>;
}

const japanese = '日本語の回答です。架け橋🌉がお答えします。';

function sse(body: string): string[] {
  return body.split('\n\n').filter((e) => e !== '');
}

async function agenticstar(): Promise<Subject> {
  const sim = await startAgenticStarSimulator({ answer: japanese });
  const res = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  const dataOf = (event: string) => event.slice('data: '.length);
  return {
    knobs: sim,
    requests: sim.requests,
    send: (signal) =>
      fetch(`${sim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'こんにちは' }] }),
        signal,
      }),
    events: (body) => sse(body).filter((e) => e.startsWith('data: ')),
    carriesText: (event) => {
      const data = dataOf(event);
      if (data === '[DONE]') return false;
      const content = (JSON.parse(data) as { choices: [{ delta: { content?: string } }] }).choices[0].delta.content;
      return typeof content === 'string' && content !== '';
    },
    parse: (event) => (dataOf(event) === '[DONE]' ? '[DONE]' : JSON.parse(dataOf(event))),
    close: () => sim.close(),
  };
}

async function codeer(): Promise<Subject> {
  const sim = await startCodeerSimulator({ answer: japanese });
  const headers = { 'x-api-key': CODEER_SIM_API_KEY, 'content-type': 'application/json' };
  const created = await fetch(`${sim.url}/chats`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'faults', agent_id: CODEER_SIM_AGENT_ID }),
  });
  const chatId = ((await created.json()) as { data: { id: number } }).data.id;
  const dataOf = (event: string) => event.slice(event.indexOf('data: ') + 'data: '.length);
  return {
    knobs: sim,
    requests: sim.requests,
    send: (signal) =>
      fetch(`${sim.url}/chats/${chatId}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ message: 'こんにちは', agent_id: CODEER_SIM_AGENT_ID }),
        signal,
      }),
    events: sse,
    carriesText: (event) => event.startsWith('event: response.output_text.delta\n'),
    parse: (event) => (dataOf(event) === '[DONE]' ? '[DONE]' : JSON.parse(dataOf(event))),
    close: () => sim.close(),
  };
}

async function miibo(): Promise<Subject> {
  const sim = await startMiiboSimulator({ answer: japanese });
  return {
    knobs: sim,
    requests: sim.requests,
    send: (signal) =>
      fetch(`${sim.url}/api`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: 'k', agent_id: 'a', utterance: 'こんにちは', stream: true }),
        signal,
      }),
    events: (body) => body.split('\n').filter((line) => line !== ''),
    carriesText: () => true,
    parse: (event) => JSON.parse(event),
    close: () => sim.close(),
  };
}

async function ice(): Promise<Subject> {
  const sim = await startAliyunIceSimulator();
  const send = (signal?: AbortSignal) => {
    const rawQuery = `InstanceId=${ALIYUN_ICE_SIM_INSTANCE_ID}`;
    const headers: Record<string, string> = {
      host: new URL(sim.url).host,
      'x-acs-action': 'DescribeAIAgentInstance',
      'x-acs-content-sha256': acsSha256Hex(''),
      'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-version': ALIYUN_ICE_SIM_VERSION,
    };
    const signed = Object.keys(headers).sort();
    const toSign = acs3ServerStringToSign(
      { method: 'POST', path: '/', rawQuery, headers },
      signed,
      headers['x-acs-content-sha256']!,
    );
    const signature = createHmac('sha256', sim.accessKeySecret).update(toSign).digest('hex');
    headers.authorization = `ACS3-HMAC-SHA256 Credential=${sim.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}`;
    return fetch(`${sim.url}/?${rawQuery}`, { method: 'POST', headers, signal });
  };
  return { knobs: sim, requests: sim.requests, send, close: () => sim.close() };
}

async function appserver(): Promise<Subject> {
  const sim = await startAliyunAppServerSimulator();
  return {
    knobs: sim,
    requests: sim.requests,
    send: (signal) =>
      fetch(`${sim.url}/api/v2/aiagent/getRtcAuthToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: ALIYUN_APPSERVER_SIM_AUTHORIZATION },
        body: JSON.stringify({ user_id: 'yamada_taro', channel_id: 'channel-0001' }),
        signal,
      }),
    close: () => sim.close(),
  };
}

/** Reads a body to its end, or to its failure: the bytes received, and whether it failed. */
async function drain(res: Response): Promise<{ bytes: Uint8Array; failed: boolean; reads: number }> {
  const chunks: Uint8Array[] = [];
  let failed = false;
  let reads = 0;
  const reader = res.body!.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      reads++;
    }
  } catch {
    failed = true;
  }
  return { bytes: Buffer.concat(chunks), failed, reads };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

const subjects = { agenticstar, codeer, miibo, 'aliyun ice': ice, 'aliyun appserver': appserver };

describe.each(Object.entries(subjects))('the shared fault knobs on the %s simulator', (_name, start) => {
  let s: Subject;
  afterEach(() => s?.close());

  it('fail: the next count requests get 503 (or the status given), then the answer again', async () => {
    s = await start();
    s.knobs.fail().fail(2, { status: 502 });
    expect((await s.send()).status).toBe(503);
    expect((await s.send()).status).toBe(502);
    expect((await s.send()).status).toBe(502);
    expect((await s.send()).status).toBe(200);
  });

  it('rateLimit: 429 with Retry-After 0 by default; fail and rateLimit hit in the order armed', async () => {
    s = await start();
    s.knobs.rateLimit().fail().rateLimit(1, { retryAfterSeconds: 7 });
    const first = await s.send();
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '0']);
    expect((await s.send()).status).toBe(503);
    const third = await s.send();
    expect([third.status, third.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await s.send()).status).toBe(200);
  });

  it('delayHeaders: the headers are held back; a client that gives up first closes the connection', async () => {
    s = await start();
    s.knobs.delayHeaders(1, { delayMs: 60_000 });
    await rejectionOf(s.send(AbortSignal.timeout(100)));
    await expect(s.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
    expect((await s.send()).status).toBe(200);
  });

  it('stall and cut beforeHeaders: nothing is sent, then the connection stays open or is reset', async () => {
    s = await start();
    s.knobs.stall({ beforeHeaders: true });
    await rejectionOf(s.send(AbortSignal.timeout(100)));
    await expect(s.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
    s.knobs.cut({ beforeHeaders: true });
    await rejectionOf(s.send());
    await expect(s.requests.at(-1)!.closed).resolves.toEqual({ byClient: false });
    expect((await s.send()).status).toBe(200);
  });

  it('cut: by default midway, after the first text event (whole bodies: after half the bytes)', async () => {
    s = await start();
    const whole = text((await drain(await s.send())).bytes);
    s.knobs.cut({ clean: true });
    const short = text((await drain(await s.send())).bytes);
    if (s.events) {
      const all = s.events(whole);
      const firstText = all.findIndex((e) => s.carriesText!(e));
      expect(firstText).toBeGreaterThanOrEqual(0);
      const got = s.events(short);
      expect(got).toHaveLength(firstText + 1);
      expect(s.carriesText!(got.at(-1)!)).toBe(true);
    } else {
      expect(Buffer.byteLength(short)).toBe(Math.max(1, Buffer.byteLength(whole) >> 1));
      expect(() => JSON.parse(short)).toThrow();
    }
  });

  it('cut: after exactly afterBytes bytes, with the body failing (close or reset) or ending (clean)', async () => {
    s = await start();
    s.knobs.cut(1, { afterBytes: 17 }).cut(1, { afterBytes: 17, reset: true }).cut(1, { afterBytes: 17, clean: true });
    const closed = await drain(await s.send());
    expect([closed.bytes.byteLength, closed.failed]).toEqual([17, true]);
    expect((await drain(await s.send())).failed).toBe(true);
    const clean = await drain(await s.send());
    expect([clean.bytes.byteLength, clean.failed]).toEqual([17, false]);
    expect((await drain(await s.send())).failed).toBe(false);
  });

  it('stall: the response stays open after the cut point until the client leaves', async () => {
    s = await start();
    s.knobs.stall(1, { afterBytes: 5 });
    const res = await s.send();
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 5) got += (await reader.read()).value!.byteLength;
    expect(got).toBe(5);
    await reader.cancel();
    await expect(s.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('malformedJson: one event (whole bodies: the body) is JSON cut short; the rest is intact', async () => {
    s = await start();
    s.knobs.malformedJson();
    const body = text((await drain(await s.send())).bytes);
    if (s.events) {
      const events = s.events(body);
      const bad = events
        .map((e, i) => [e, i] as const)
        .filter(([e]) => {
          try {
            s.parse!(e);
            return false;
          } catch {
            return true;
          }
        });
      expect(bad).toHaveLength(1);
      const firstText = events.findIndex((e) => s.carriesText!(e));
      expect(bad[0]![1]).toBe(firstText + 1);
    } else {
      expect(() => JSON.parse(body)).toThrow();
    }
    const next = text((await drain(await s.send())).bytes);
    if (s.events) for (const event of s.events(next)) s.parse!(event);
    else JSON.parse(next);
  });

  it('split: the same kind of body, in many small writes; split(undefined) stops', async () => {
    s = await start();
    s.knobs.split(3);
    const split = await drain(await s.send());
    expect(split.reads).toBeGreaterThan(1);
    const body = text(split.bytes);
    if (s.events) for (const event of s.events(body)) s.parse!(event);
    else JSON.parse(body);
    expect(s.knobs.faults.split).toBe(3);
    s.knobs.split(undefined);
    expect(s.knobs.faults.split).toBeUndefined();
  });

  it('faults shows what is armed; clearFaults disarms everything', async () => {
    s = await start();
    s.knobs.fail(2).stall({ times: 3, afterBytes: 1 }).reset({ clean: true, afterBytes: 2 }).split(1);
    expect(s.knobs.faults).toEqual({
      split: 1,
      armed: [
        { knob: 'fail', remaining: 2, options: expect.objectContaining({ status: 503 }) },
        { knob: 'stall', remaining: 3, options: { afterBytes: 1, beforeHeaders: false } },
        { knob: 'cut', remaining: 1, options: { afterBytes: 2, beforeHeaders: false, reset: false, clean: true } },
      ],
    });
    s.knobs.clearFaults();
    expect(s.knobs.faults).toEqual({ split: undefined, armed: [] });
    expect((await s.send()).status).toBe(200);
  });

  it('rejects bad knob arguments with the knob, the field and the reason', async () => {
    s = await start();
    const k = s.knobs;
    expect(() => k.fail(1, { status: 404 })).toThrow(
      /fail\(\): options\.status must be an HTTP status from 500 to 599 \(got 404\)/,
    );
    expect(() => k.fail(1, 503 as never)).toThrow(/fail\(\): options must be an object.*the count comes first/);
    expect(() => k.stall(1, { afterObjects: 3 } as never)).toThrow(/stall\(\): unknown option "afterObjects"/);
    expect(() => k.cut(-1)).toThrow(/cut\(\): count must be a non-negative integer \(got -1\)/);
    expect(() => k.cut(1, { afterBytes: 1, beforeHeaders: true })).toThrow(/at most one of/);
    expect(() => k.cut(1, { reset: true, clean: true })).toThrow(/reset and options\.clean exclude each other/);
    expect(() => k.rateLimit(1, { retryAfterSeconds: 1.5 })).toThrow(
      /retryAfterSeconds must be a non-negative integer/,
    );
    expect(() => k.split(-1)).toThrow(/split\(\): bytes must be a positive integer/);
    if (!s.events) {
      expect(() => k.stall(1, { afterEvents: 1 })).toThrow(/afterEvents needs a streaming simulator/);
    }
    expect(k.faults.armed).toEqual([]);
  });
});
