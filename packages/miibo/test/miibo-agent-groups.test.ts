import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMiiboSimulator, startScriptedServer, type MiiboSimulator, type ScriptedServer } from '@kakehashi/testkit';
import { type ApiCallError, InvalidArgumentError, MissingConfigError } from '@kakehashi/sse-core';
import {
  createMiibo,
  MiiboWebhookVerificationError,
  parseAgentGroupWebhook,
  signMiiboWebhook,
  verifyAgentGroupWebhook,
  verifyMiiboHmac,
  verifySharedSecret,
  type MiiboAgentGroupStartInput,
  type MiiboSettings,
} from '@kakehashi/miibo';
import { ADMIN_KEY, rejectionOf } from './helpers';

const SIGNING_SECRET = 'whsig-0123456789abcdef';
const SHARED_SECRET = 'shared-hook-secret-42a7c9';

let sim: MiiboSimulator;
let receiver: ScriptedServer;
beforeEach(async () => {
  sim = await startMiiboSimulator({ adminApiKey: ADMIN_KEY, webhookSigningSecret: SIGNING_SECRET, webhookDelayMs: 5 });
  receiver = await startScriptedServer(() => ({ status: 204 }));
});
afterEach(async () => {
  await sim.close();
  await receiver.close();
});

const client = (settings: MiiboSettings = {}) =>
  createMiibo({ baseURL: sim.url, adminApiKey: ADMIN_KEY, env: {}, ...settings });

function input(overrides: Partial<MiiboAgentGroupStartInput> = {}): MiiboAgentGroupStartInput {
  return {
    utterance: '新商品のマーケティング戦略を考えてください',
    uid: 'admin-uid-789',
    agentIds: [
      { agentId: 'agent-marketing-001', apiKey: 'agent-api-key-marketing-001' },
      { agentId: 'agent-analytics-002', apiKey: 'agent-api-key-analytics-002' },
    ],
    groupName: 'マーケティング戦略チーム',
    groupMission: '効果的なマーケティング戦略を立案する',
    groupDescription: 'マーケティングと分析の専門エージェントチーム',
    ...overrides,
  };
}

describe('miibo agent groups: start', () => {
  it('POSTs the exact camelCase body with X-API-Key and returns the start response', async () => {
    const body = input({
      groupPrompt: 'チームで協力してください',
      resultWebhookUrl: `${receiver.url}/hooks/miibo`,
      webhookHeaders: { 'X-Webhook-Secret': SHARED_SECRET },
      sendResultEmail: true,
      resultEmails: ['ops@example.com'],
      resultEmailTitle: '結果',
      conclusionOnlyMode: false,
      customParameters: { projectId: 'cs-2024', priority: 'high' },
    });
    const started = await client().startAgentGroup(body);
    expect(started).toEqual({ status: 'started', groupId: 'group-1' });
    const [request] = sim.requests;
    expect(request!.path).toBe('/agent-groups/start');
    expect(request!.headers['x-api-key']).toBe(ADMIN_KEY);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.json()).toEqual(body);
  });

  it('delivers the result to the webhook later; it parses and verifies (X-HMAC and shared secret), and a tampered body is rejected', async () => {
    const { groupId } = await client().startAgentGroup(
      input({
        resultWebhookUrl: `${receiver.url}/hooks/miibo`,
        webhookHeaders: { 'X-Webhook-Secret': SHARED_SECRET },
        customParameters: { projectId: 'p-1' },
      }),
    );
    const [hook] = await receiver.waitForRequests(1);
    expect(hook!.method).toBe('POST');
    expect(hook!.path).toBe('/hooks/miibo');
    expect(hook!.headers['x-webhook-secret']).toBe(SHARED_SECRET);
    expect(hook!.headers['x-hmac']).toMatch(/^[0-9a-f]{64}$/);

    const webhook = await verifyAgentGroupWebhook({
      rawBody: hook!.rawBody,
      headers: hook!.headers,
      sharedSecret: { header: 'X-Webhook-Secret', value: SHARED_SECRET },
      hmacSecret: SIGNING_SECRET,
    });
    expect(webhook.type).toBe('completed');
    if (webhook.type !== 'completed') return;
    expect(webhook.payload.groupId).toBe(groupId);
    expect(webhook.payload.customParameters).toEqual({ projectId: 'p-1' });
    expect(webhook.payload.result?.orchestrationResponse?.finalResponse).toContain('2体のエージェント');
    expect(webhook.payload.result?.orchestrationResponse?.interactions?.map((i) => i.agentId)).toEqual([
      'agent-marketing-001',
      'agent-analytics-002',
    ]);
    expect(typeof webhook.payload.completedAt).toBe('string');

    const tampered = hook!.body.replace('completed', 'completed ');
    const hmacError = await rejectionOf(
      verifyAgentGroupWebhook({ rawBody: tampered, headers: hook!.headers, hmacSecret: SIGNING_SECRET }),
    );
    expect(MiiboWebhookVerificationError.isInstance(hmacError)).toBe(true);
    expect((hmacError as MiiboWebhookVerificationError).check).toBe('hmac');
    await expect(
      verifyAgentGroupWebhook({
        rawBody: hook!.rawBody,
        headers: { ...hook!.headers, 'x-webhook-secret': 'guess' },
        sharedSecret: { header: 'x-webhook-secret', value: SHARED_SECRET },
      }),
    ).rejects.toThrow(/X-Webhook-Secret|x-webhook-secret/);
    const deliveries = await sim.waitForWebhookDeliveries(1);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ groupId, status: 204, body: hook!.body });
  });

  it('delivers the error payload of a failed run', async () => {
    sim.configure({ groupOutcome: 'error' });
    const { groupId } = await client().startAgentGroup(input({ resultWebhookUrl: `${receiver.url}/hook` }));
    const [hook] = await receiver.waitForRequests(1);
    const webhook = await verifyAgentGroupWebhook({
      rawBody: hook!.body,
      headers: hook!.headers,
      hmacSecret: SIGNING_SECRET,
    });
    expect(webhook.type).toBe('error');
    if (webhook.type !== 'error') return;
    expect(webhook.payload).toMatchObject({ groupId, status: 'error' });
    expect(webhook.payload.error).toContain('エラー');
  });

  it('leaves the agents conversation out in conclusionOnlyMode, and answers with the result in isSyncMode', async () => {
    const sync = await client().startAgentGroup(input({ isSyncMode: true, conclusionOnlyMode: true }));
    expect(sync.status).toBe('completed');
    expect((sync.result as { orchestrationResponse: Record<string, unknown> }).orchestrationResponse).toEqual({
      finalResponse: expect.any(String),
    });
  });

  it('the simulator only delivers to loopback URLs', async () => {
    const error = await rejectionOf(client().startAgentGroup(input({ resultWebhookUrl: 'https://example.com/hook' })));
    expect((error as ApiCallError).status).toBe(400);
    expect((error as Error).message).toContain('loopback');
    expect(sim.webhookDeliveries).toHaveLength(0);
  });

  it('validates before sending: the error names the field, and zero requests are sent', async () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ agentId: `agent-${i}`, apiKey: `agent-key-${i}-abcdef` }));
    const emails = Array.from({ length: 6 }, (_, i) => `user${i}@example.com`);
    const cases: Array<[unknown, string, RegExp?]> = [
      [input({ agentIds: [] }), 'input.agentIds', /at least one/],
      [input({ agentIds: six }), 'input.agentIds', /at most 5/],
      [input({ utterance: 'あ'.repeat(5001) }), 'input.utterance', /5000/],
      [input({ utterance: '' }), 'input.utterance'],
      [input({ sendResultEmail: true }), 'input.resultEmails', /sendResultEmail/],
      [input({ sendResultEmail: true, resultEmails: [] }), 'input.resultEmails'],
      [input({ resultEmails: emails }), 'input.resultEmails', /at most 5/],
      [input({ resultEmails: ['not-an-address'] }), 'input.resultEmails.0'],
      [input({ resultWebhookUrl: 'not a url' }), 'input.resultWebhookUrl'],
      [input({ webhookHeaders: { 'X-Secret': 'a\r\nInjected: 1' } }), 'input.webhookHeaders.X-Secret'],
      [{ ...input(), agentIDs: input().agentIds }, 'input.agentIDs', /did you mean "agentIds"/],
      [{ ...input(), group_name: 'x' }, 'input.group_name', /did you mean "groupName"/],
      [input({ agentIds: [{ agentId: 'a' } as never] }), 'input.agentIds.0.apiKey'],
      [
        input({ agentIds: [{ agentID: 'a', apiKey: 'k' } as never] }),
        'input.agentIds.0.agentID',
        /did you mean "agentId"/,
      ],
      [{ ...input(), groupMission: undefined }, 'input.groupMission'],
    ];
    for (const [bad, field, message] of cases) {
      const error = await rejectionOf(client().startAgentGroup(bad as MiiboAgentGroupStartInput));
      expect(InvalidArgumentError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
      expect((error as InvalidArgumentError).argument, String(error)).toBe(field);
      if (message) expect((error as Error).message).toMatch(message);
    }
    expect(sim.requests).toHaveLength(0);
    // The limits themselves are allowed.
    await client().startAgentGroup(
      input({
        utterance: 'あ'.repeat(5000),
        agentIds: six.slice(0, 5),
        resultEmails: emails.slice(0, 5),
        sendResultEmail: true,
      }),
    );
    expect(sim.requests).toHaveLength(1);
  });

  it('needs the admin key (MIIBO_ADMIN_API_KEY) and keeps it and the agent keys out of errors', async () => {
    const missing = await rejectionOf(createMiibo({ baseURL: sim.url, env: {} }).startAgentGroup(input()));
    expect(MissingConfigError.isInstance(missing)).toBe(true);
    expect((missing as MissingConfigError).envVar).toBe('MIIBO_ADMIN_API_KEY');
    expect(sim.requests).toHaveLength(0);

    const wrong = 'wrong-admin-key-0a1b2c3d4e5f';
    const error = await rejectionOf(client({ adminApiKey: wrong }).startAgentGroup(input()));
    expect((error as ApiCallError).status).toBe(401);
    const shown = [String(error), JSON.stringify(error), (error as Error).stack].join('\n');
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain('agent-api-key-marketing-001');
  });

  it('uses agentGroupsBaseURL when given, and MIIBO_ADMIN_API_KEY from the environment', async () => {
    const miibo = createMiibo({
      baseURL: 'http://127.0.0.1:9/unused',
      agentGroupsBaseURL: `${sim.url}/`,
      env: { MIIBO_ADMIN_API_KEY: ADMIN_KEY },
    });
    expect((await miibo.startAgentGroup(input())).groupId).toBe('group-1');
  });
});

describe('miibo webhook helpers', () => {
  it('signs and verifies X-HMAC in constant time, rejecting missing, malformed and repeated signatures', async () => {
    const body = '{"groupId":"g","status":"completed"}';
    const sig = await signMiiboWebhook(body, SIGNING_SECRET);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    // The published HMAC-SHA256 test vector (RFC 4231 case 2): the signature is the standard one.
    expect(await signMiiboWebhook('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(await verifyMiiboHmac({ rawBody: body, signature: sig, secret: SIGNING_SECRET })).toBe(true);
    expect(
      await verifyMiiboHmac({
        rawBody: new TextEncoder().encode(body),
        signature: sig.toUpperCase(),
        secret: SIGNING_SECRET,
      }),
    ).toBe(true);
    expect(await verifyMiiboHmac({ rawBody: `${body} `, signature: sig, secret: SIGNING_SECRET })).toBe(false);
    expect(await verifyMiiboHmac({ rawBody: body, signature: sig, secret: 'other-secret-123' })).toBe(false);
    for (const bad of [undefined, null, '', sig.slice(2), `${sig}00`, 'zz'.repeat(32), [sig, sig]]) {
      expect(await verifyMiiboHmac({ rawBody: body, signature: bad as string, secret: SIGNING_SECRET })).toBe(false);
    }
  });

  it('compares shared secrets in constant time', async () => {
    expect(await verifySharedSecret(SHARED_SECRET, SHARED_SECRET)).toBe(true);
    expect(await verifySharedSecret([SHARED_SECRET], SHARED_SECRET)).toBe(true);
    for (const bad of [undefined, '', 'short', `${SHARED_SECRET}x`, [SHARED_SECRET, SHARED_SECRET]]) {
      expect(await verifySharedSecret(bad as string, SHARED_SECRET)).toBe(false);
    }
    await expect(verifySharedSecret('x', '')).rejects.toThrow(InvalidArgumentError);
  });

  it('refuses to verify with no check configured, and parses without verifying when asked', async () => {
    await expect(verifyAgentGroupWebhook({ rawBody: '{}', headers: {} })).rejects.toThrow(
      /sharedSecret and\/or hmacSecret/,
    );
    expect(parseAgentGroupWebhook('{"groupId":"g-1","status":"queued","extra":1}')).toEqual({
      type: 'unknown',
      payload: { groupId: 'g-1', status: 'queued', extra: 1 },
    });
    expect(parseAgentGroupWebhook({ groupId: 'g-2', status: 'error', error: '失敗' }).type).toBe('error');
  });

  it('rejects malformed bodies with InvalidArgumentError naming the field', () => {
    const cases: Array<[string, string]> = [
      ['not json', 'body'],
      ['[1]', 'body'],
      ['{"status":"completed"}', 'body.groupId'],
      [
        '{"groupId":"g","status":"completed","result":{"orchestrationResponse":{"interactions":"x"}}}',
        'body.result.orchestrationResponse.interactions',
      ],
    ];
    for (const [body, field] of cases) {
      try {
        parseAgentGroupWebhook(body);
        throw new Error('expected a rejection');
      } catch (error) {
        expect((error as InvalidArgumentError).argument).toBe(field);
      }
    }
  });
});
