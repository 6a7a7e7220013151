import { createHmac } from 'node:crypto';
import { simulatorEnv, startMiiboSimulator, type MiiboSimulator } from '@kakehashi/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { deliveryFor, groupStartBody, logSink, postJson, startInProcess } from './server-harness';

const ADMIN_KEY = 'sim-admin-api-key-0001';

let miibo: MiiboSimulator;
const servers: KakehashiServer[] = [];

beforeAll(async () => {
  miibo = await startMiiboSimulator({ adminApiKey: ADMIN_KEY, webhookDelayMs: 50 });
});
afterAll(async () => {
  await miibo.close();
});
afterEach(async () => {
  miibo.resetKnobs();
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

async function server(extra: Parameters<typeof startInProcess>[0] = {}) {
  const started = await startInProcess({
    env: simulatorEnv({ miibo }),
    ...extra,
  });
  servers.push(started.server);
  return started;
}

describe('miibo agent groups', () => {
  it('starts a group with this server as the webhook, and GET ?wait answers the delivered result', async () => {
    const { url, server: s } = await server();
    const start = await postJson(`${url}/v1/agent-groups`, groupStartBody({ customParameters: { ticket: 'T-1' } }));
    expect(start.status).toBe(200);
    const started = (await start.json()) as { groupId: string; status: string };
    expect(started).toEqual({ groupId: expect.any(String), status: 'started' });

    // What miibo was asked: our webhook URL and secret header, the caller's fields untouched.
    const sent = JSON.parse(miibo.requests.at(-1)!.body) as Record<string, unknown>;
    expect(sent.resultWebhookUrl).toBe(`${url}/webhooks/miibo/agent-groups`);
    expect(sent.webhookHeaders).toEqual({ 'X-Kakehashi-Webhook-Secret': s.webhookSecret });
    expect(sent.groupName).toBe('コピー班');

    const res = await fetch(`${url}/v1/agent-groups/${started.groupId}?wait=10`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      groupId: string;
      status: string;
      result: { orchestrationResponse: { finalResponse: string; interactions: unknown[] } };
    };
    expect(body.status).toBe('completed');
    expect(body.groupId).toBe(started.groupId);
    const delivered = JSON.parse((await deliveryFor(miibo, started.groupId)).body) as { result: unknown };
    expect(body.result).toEqual(delivered.result);
    expect(body.result.orchestrationResponse.finalResponse).toContain('新商品のキャッチコピー');
    expect(Object.keys(body).sort()).toEqual(['groupId', 'result', 'status']);
  });

  it('answers "started" without wait, and "error" with the error text for a failed run', async () => {
    const { url } = await server();
    miibo.configure({ groupOutcome: 'error', webhookDelayMs: 300 });
    const { groupId } = (await (await postJson(`${url}/v1/agent-groups`, groupStartBody())).json()) as {
      groupId: string;
    };
    expect(await (await fetch(`${url}/v1/agent-groups/${groupId}`)).json()).toEqual({ groupId, status: 'started' });
    const done = (await (await fetch(`${url}/v1/agent-groups/${groupId}?wait=10`)).json()) as Record<string, unknown>;
    expect(done).toEqual({ groupId, status: 'error', error: expect.stringContaining('エラー') });
  });

  it('stores a repeated webhook delivery once (the first final result wins)', async () => {
    const { url, server: s } = await server();
    const headers = { 'x-kakehashi-webhook-secret': s.webhookSecret };
    const first = {
      groupId: 'dup-1',
      status: 'completed',
      result: { orchestrationResponse: { finalResponse: '一回目' } },
    };
    await (await s.store()).recordStart('dup-1');
    const r1 = await postJson(`${url}/webhooks/miibo/agent-groups`, first, headers);
    expect(await r1.json()).toEqual({ received: true, stored: true, duplicate: false });
    const r2 = await postJson(`${url}/webhooks/miibo/agent-groups`, first, headers);
    expect(r2.status).toBe(200);
    expect(await r2.json()).toEqual({ received: true, stored: false, duplicate: true });
    const other = { groupId: 'dup-1', status: 'error', error: 'late' };
    expect(await (await postJson(`${url}/webhooks/miibo/agent-groups`, other, headers)).json()).toMatchObject({
      stored: false,
    });

    const record = await (await s.store()).get('dup-1');
    expect(record).toMatchObject({ status: 'completed', deliveries: 3, result: first.result });
    expect(await (await fetch(`${url}/v1/agent-groups/dup-1`)).json()).toEqual({
      groupId: 'dup-1',
      status: 'completed',
      result: first.result,
    });
  });

  it('rejects a webhook with a missing or wrong secret (401) and stores nothing', async () => {
    const { url, server: s } = await server();
    const payload = {
      groupId: 'forged-1',
      status: 'completed',
      result: { orchestrationResponse: { finalResponse: '偽物' } },
    };
    const missing = await postJson(`${url}/webhooks/miibo/agent-groups`, payload);
    expect(missing.status).toBe(401);
    const wrong = await postJson(`${url}/webhooks/miibo/agent-groups`, payload, {
      'x-kakehashi-webhook-secret': 'not-the-secret',
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain(
      'X-Kakehashi-Webhook-Secret',
    );
    expect(await (await s.store()).get('forged-1')).toBeUndefined();
    expect((await fetch(`${url}/v1/agent-groups/forged-1`)).status).toBe(404);
  });

  it('answers a webhook nested 5,000 deep (10 KB) with 400 json_too_deep on every retry, and stores nothing', async () => {
    const { url, server: s } = await server();
    const body = `{"groupId":"deep-1","status":"completed","result":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(body.length).toBeLessThan(11_000);
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch(`${url}/webhooks/miibo/agent-groups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-kakehashi-webhook-secret': s.webhookSecret },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'json_too_deep',
        message: expect.stringContaining('128'),
      });
    }
    expect(await (await s.store()).get('deep-1')).toBeUndefined();
    // 128 levels is within the limit: stored (for a group this server started).
    await (await s.store()).recordStart('deep-2');
    const ok = `{"groupId":"deep-2","status":"completed","result":${'{"a":'.repeat(127)}1${'}'.repeat(127)}}`;
    const stored = await fetch(`${url}/webhooks/miibo/agent-groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kakehashi-webhook-secret': s.webhookSecret },
      body: ok,
    });
    expect(stored.status, await stored.clone().text()).toBe(200);
  });

  it('checks X-HMAC when a signing secret is configured (the simulator signs its deliveries)', async () => {
    const hmac = 'miibo-webhook-signing-secret';
    const { url, server: s } = await server({ webhookHmacSecret: hmac });
    const signing = await startMiiboSimulator({ adminApiKey: ADMIN_KEY, webhookSigningSecret: hmac });
    try {
      const signed = await startInProcess({
        env: simulatorEnv({ miibo: signing }),
        webhookHmacSecret: hmac,
      });
      servers.push(signed.server);
      const { groupId } = (await (await postJson(`${signed.url}/v1/agent-groups`, groupStartBody())).json()) as {
        groupId: string;
      };
      expect(await (await fetch(`${signed.url}/v1/agent-groups/${groupId}?wait=10`)).json()).toMatchObject({
        status: 'completed',
      });
    } finally {
      await signing.close();
    }
    await (await s.store()).recordStart('h-1');
    const body = JSON.stringify({ groupId: 'h-1', status: 'completed', result: {} });
    const headers = { 'content-type': 'application/json', 'x-kakehashi-webhook-secret': s.webhookSecret };
    const unsigned = await fetch(`${url}/webhooks/miibo/agent-groups`, { method: 'POST', headers, body });
    expect(unsigned.status).toBe(401);
    const badSig = await fetch(`${url}/webhooks/miibo/agent-groups`, {
      method: 'POST',
      headers: { ...headers, 'x-hmac': createHmac('sha256', 'other').update(body).digest('hex') },
      body,
    });
    expect(badSig.status).toBe(401);
    const good = await fetch(`${url}/webhooks/miibo/agent-groups`, {
      method: 'POST',
      headers: { ...headers, 'x-hmac': createHmac('sha256', hmac).update(body).digest('hex') },
      body,
    });
    expect(good.status).toBe(200);
  });

  it('validates the start body with 400s that name the field', async () => {
    const { url } = await server();
    const startsBefore = miibo.requests.filter((r) => r.path === '/agent-groups/start').length;
    const missing = await postJson(`${url}/v1/agent-groups`, groupStartBody({ groupName: undefined }));
    expect(missing.status).toBe(400);
    const missingBody = (await missing.json()) as { error: { param: string; message: string; type: string } };
    expect(missingBody.error).toMatchObject({ param: 'groupName', type: 'invalid_request_error' });
    expect(missingBody.error.message).toContain('groupName');

    const webhook = await postJson(
      `${url}/v1/agent-groups`,
      groupStartBody({ resultWebhookUrl: 'https://example.com/hook' }),
    );
    expect(webhook.status).toBe(400);
    expect(((await webhook.json()) as { error: { param: string } }).error.param).toBe('resultWebhookUrl');

    const tooMany = await postJson(
      `${url}/v1/agent-groups`,
      groupStartBody({
        agentIds: Array.from({ length: 6 }, (_, i) => ({ agentId: `a${i}`, apiKey: `key-${i}-123456` })),
      }),
    );
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { param: string } }).error.param).toBe('agentIds');

    const notJson = await fetch(`${url}/v1/agent-groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');

    const badWait = await fetch(`${url}/v1/agent-groups/x?wait=soon`);
    expect(badWait.status).toBe(400);
    expect(((await badWait.json()) as { error: { param: string } }).error.param).toBe('wait');
    expect(miibo.requests.filter((r) => r.path === '/agent-groups/start')).toHaveLength(startsBefore);
  });

  it('answers 404 for an unknown group, at once even with wait', async () => {
    const { url } = await server();
    const res = await fetch(`${url}/v1/agent-groups/nope?wait=30`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('agent_group_not_found');
  });

  it("keeps the caller's webhookHeaders (but not a forged secret header), and never logs member API keys", async () => {
    const logs = logSink();
    const { url, server: s } = await server({ logger: { level: 'debug', destination: logs.destination } });
    const res = await postJson(
      `${url}/v1/agent-groups`,
      groupStartBody({ webhookHeaders: { 'X-Trace': 'trace-1', 'x-kakehashi-webhook-secret': 'forged' } }),
    );
    expect(res.status).toBe(200);
    const sent = JSON.parse(miibo.requests.at(-1)!.body) as { webhookHeaders: Record<string, string> };
    expect(sent.webhookHeaders).toEqual({ 'X-Trace': 'trace-1', 'X-Kakehashi-Webhook-Secret': s.webhookSecret });
    await (await fetch(`${url}/v1/agent-groups/${((await res.json()) as { groupId: string }).groupId}?wait=10`)).json();
    expect(logs.text()).not.toContain('agent-a-api-key-123456');
    expect(logs.text()).not.toContain(s.webhookSecret);
  });

  it('maps miibo failures: missing admin key → 500 naming the variable; refused key → 502', async () => {
    const { MIIBO_ADMIN_API_KEY: _adminKey, ...withoutAdminKey } = simulatorEnv({ miibo });
    const unconfigured = await server({ env: withoutAdminKey });
    const res = await postJson(`${unconfigured.url}/v1/agent-groups`, groupStartBody());
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('MIIBO_ADMIN_API_KEY');

    const wrongKey = await server({ env: { ...simulatorEnv({ miibo }), MIIBO_ADMIN_API_KEY: 'wrong-admin-key-123' } });
    const refused = await postJson(`${wrongKey.url}/v1/agent-groups`, groupStartBody());
    expect(refused.status).toBe(502);
    const text = await refused.text();
    expect(text).toContain('miibo');
    expect(text).not.toContain('wrong-admin-key-123');
  });
});
