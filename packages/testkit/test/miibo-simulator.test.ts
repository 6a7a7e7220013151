import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startMiiboSimulator, startScriptedServer, type MiiboSimulator } from '../src/index';

let sim: MiiboSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('miibo simulator wire format', () => {
  it('answers one whole JSON response without stream, echoing the user utterance at top level', async () => {
    sim = await startMiiboSimulator({ answer: 'ジョンと呼んでください!' });
    const res = await post(`${sim.url}/api`, {
      api_key: 'k',
      agent_id: 'a',
      utterance: 'ニックネームは?',
      uid: 'u',
      state: { k: 'v' },
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the answer body by path
    const body = (await res.json()) as Record<string, any>;
    expect(body.utterance).toBe('ニックネームは?');
    expect(body.bestResponse.utterance).toBe('ジョンと呼んでください!');
    expect(body.userState).toEqual({ k: 'v' });
  });

  it('streams newline-separated cumulative snapshots ending with the whole response', async () => {
    sim = await startMiiboSimulator({ snapshots: ['あ', 'あい', 'かき'], rewrite: false });
    const text = await (
      await post(`${sim.url}/api`, { api_key: 'k', agent_id: 'a', utterance: 'x', stream: true })
    ).text();
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.bestResponse.utterance)).toEqual(['あ', 'あい', 'かき']);
    expect(lines[0]).toEqual({ bestResponse: { utterance: 'あ', is_searching: false } });
    expect(lines[2].utterance).toBe('x');
    sim.configure({ dataPrefix: true, objectsPerWrite: 2 });
    const sse = await (
      await post(`${sim.url}/api`, { api_key: 'k', agent_id: 'a', utterance: 'x', stream: true })
    ).text();
    expect(sse.startsWith('data: {"bestResponse"')).toBe(true);
    sim.configure({ streaming: false });
    const whole = await (
      await post(`${sim.url}/api`, { api_key: 'k', agent_id: 'a', utterance: 'x', stream: true })
    ).json();
    expect((whole as { bestResponse: { utterance: string } }).bestResponse.utterance).toBe('かき');
  });

  it('refuses what miibo would refuse, and applies the fault counters', async () => {
    sim = await startMiiboSimulator({ apiKey: 'right-key' });
    expect((await post(`${sim.url}/api`, { api_key: 'wrong', agent_id: 'a', utterance: 'x' })).status).toBe(401);
    expect(
      (await post(`${sim.url}/api`, { api_key: 'right-key', agent_id: 'a', utterance: 'x', state: { n: 1 } })).status,
    ).toBe(400);
    expect(
      (
        await post(`${sim.url}/api`, {
          api_key: 'right-key',
          agent_id: 'a',
          utterance: 'x',
          base64_image: 'data:image/png;base64,AAAA',
        })
      ).status,
    ).toBe(400);
    sim.rateLimit(1, { retryAfterSeconds: 3 }).fail(1, { status: 503 });
    const limited = await post(`${sim.url}/api`, { api_key: 'right-key', agent_id: 'a', utterance: 'x' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await post(`${sim.url}/api`, { api_key: 'right-key', agent_id: 'a', utterance: 'x' })).status).toBe(503);
    expect((await post(`${sim.url}/api`, { api_key: 'right-key', agent_id: 'a', utterance: 'x' })).status).toBe(200);
  });

  it('starts agent groups like miibo and POSTs the signed result to a loopback webhook only', async () => {
    sim = await startMiiboSimulator({ adminApiKey: 'admin', webhookSigningSecret: 'sig' });
    const receiver = await startScriptedServer(() => ({ status: 200 }));
    try {
      const body = {
        utterance: '計画を立てて',
        uid: 'admin-uid',
        agentIds: [{ agentId: 'a1', apiKey: 'k1' }],
        groupName: 'n',
        groupMission: 'm',
        groupDescription: 'd',
        resultWebhookUrl: `${receiver.url}/cb`,
        webhookHeaders: { 'X-Token': 't' },
      };
      expect((await post(`${sim.url}/agent-groups/start`, body)).status).toBe(401);
      expect(
        (await post(`${sim.url}/agent-groups/start`, { ...body, agentIds: [] }, { 'X-API-Key': 'admin' })).status,
      ).toBe(400);
      expect(
        (
          await post(
            `${sim.url}/agent-groups/start`,
            { ...body, resultWebhookUrl: 'http://10.0.0.1/cb' },
            { 'X-API-Key': 'admin' },
          )
        ).status,
      ).toBe(400);
      const res = await post(`${sim.url}/agent-groups/start`, body, { 'X-API-Key': 'admin' });
      expect(await res.json()).toEqual({ status: 'started', groupId: 'group-1' });
      const [hook] = await receiver.waitForRequests(1);
      expect(hook!.headers['x-token']).toBe('t');
      expect(hook!.headers['x-hmac']).toBe(createHmac('sha256', 'sig').update(hook!.body).digest('hex'));
      expect(hook!.json()).toMatchObject({ groupId: 'group-1', status: 'completed' });
    } finally {
      await receiver.close();
    }
  });
});
