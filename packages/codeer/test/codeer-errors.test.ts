import { CODEER_ERROR_CODES, CodeerApiError, createCodeer } from '@kakehashi/codeer';
import { ApiCallError, InvalidArgumentError, KakehashiError, MissingConfigError } from '@kakehashi/sse-core';
import { CODEER_SIM_UNPUBLISHED_AGENT_ID, startCodeerSimulator, startScriptedServer } from '@kakehashi/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rejection, setup, type Setup } from './helpers';

let s: Setup | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await s?.sim.close();
  s = undefined;
});

describe('envelope errors', () => {
  it('turns error_code != 0 with HTTP 200 into ApiCallError keeping code and message', async () => {
    s = await setup();
    s.sim.platformError({ code: 10003, message: 'Agent not found in workspace' });
    const error = await rejection(s.codeer.agents.list());
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(CodeerApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'CodeerApiError',
      status: 200,
      code: 10003,
      reason: 'not-found',
      platformMessage: 'Agent not found in workspace',
      retryable: false,
      provider: 'codeer',
    });
    expect((error as Error).message).toContain('Agent not found in workspace');
    expect(s.sim.requests).toHaveLength(1);
  });

  it.each([
    [10001, 'permission-denied', 'SYS_PERMISSION_DENIED', false],
    [10003, 'not-found', undefined, false],
    [10005, 'server-error', 'SYS_SERVER_ERROR', true],
    [10006, 'bad-request', 'SYS_BAD_REQUEST', false],
    [14103, 'external-user-not-allowed', undefined, false],
  ] as const)('maps error_code %i to %s', async (code, reason, codeName, retryable) => {
    s = await setup();
    s.sim.platformError({ code });
    const error = (await rejection(s.codeer.chats.create({ name: 'x' }))) as CodeerApiError;
    expect(error).toMatchObject({ code, reason, codeName, retryable, status: 200 });
    expect(error.platformMessage).toBeTruthy();
    expect(CODEER_ERROR_CODES[code]!.reason).toBe(reason);
  });

  it('reads an error envelope answered to a stream request', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.platformError({ code: 10006, message: 'message: Field required' });
    const error = await rejection(s.codeer.messages.stream(chat.id, { message: 'x' }));
    expect(error).toMatchObject({
      code: 10006,
      reason: 'bad-request',
      platformMessage: 'message: Field required',
      status: 200,
    });
  });

  it('reads non-2xx envelopes through parseErrorBody', async () => {
    s = await setup({ allowedExternalUserIds: ['allowed-user'] });
    const chat = await s.codeer.chats.create({
      agentId: CODEER_SIM_UNPUBLISHED_AGENT_ID,
      externalUserId: 'allowed-user',
    });
    const unpublished = await rejection(
      s.codeer.messages.send(chat.id, {
        message: 'x',
        agentId: CODEER_SIM_UNPUBLISHED_AGENT_ID,
        externalUserId: 'allowed-user',
      }),
    );
    expect(unpublished).toMatchObject({
      status: 404,
      code: 10003,
      reason: 'not-found',
      platformMessage: 'Agent version not found',
      retryable: false,
    });

    const mismatch = await rejection(
      s.codeer.messages.stream(chat.id, { message: 'x', externalUserId: 'allowed-user' }),
    );
    expect(mismatch).toMatchObject({
      status: 400,
      code: 10006,
      reason: 'bad-request',
      platformMessage: 'History agent mismatch',
    });

    const refused = await rejection(s.codeer.chats.create({ externalUserId: 'someone-else' }));
    expect(refused).toMatchObject({ status: 403, code: 14103, reason: 'external-user-not-allowed', isAuthError: true });

    const missing = await rejection(s.codeer.chats.update(99999, { name: 'x' }));
    expect(missing).toMatchObject({ status: 404, code: 10003, platformMessage: 'Chat not found' });
  });

  it('reads a wrong key as 401 and a framework 422 detail list', async () => {
    s = await setup({}, { apiKey: 'wrong-key-123456' });
    const unauthorized = await rejection(s.codeer.agents.list());
    expect(unauthorized).toMatchObject({ status: 401, code: 10001, reason: 'permission-denied', isAuthError: true });
    expect(s.sim.requests).toHaveLength(1);
  });

  it('reads a framework 422 detail list (no envelope)', async () => {
    const server = await startScriptedServer(() => ({
      status: 422,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required' }] }),
    }));
    try {
      const codeer = createCodeer({ apiKey: 'k-123456', baseURL: server.url });
      const error = await rejection(codeer.files.upload({ file: new Uint8Array(2), filename: 'a.txt' }));
      expect(error).toMatchObject({
        status: 422,
        reason: 'validation-failed',
        platformMessage: 'body.file: Field required',
        retryable: false,
      });
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('retries a 5xx envelope on reads and reports the last one', async () => {
    s = await setup({}, { maxRetries: 1 });
    s.sim.fail(2, { status: 500 });
    const error = await rejection(s.codeer.agents.list());
    expect(error).toMatchObject({ status: 500, code: 10005, reason: 'server-error', retryable: true });
    expect(s.sim.requests).toHaveLength(2);
  });
});

describe('bad input', () => {
  it('rejects bad input naming the field, with zero requests', async () => {
    s = await setup();
    const cases: Array<[() => unknown, string]> = [
      [() => s!.codeer.chats.create({ name: 'x'.repeat(257) }), 'input.name'],
      [() => s!.codeer.chats.create({ agentId: 'has space' }), 'input.agentId'],
      [() => s!.codeer.chats.create({ nme: 'typo' } as never), 'input'],
      [() => s!.codeer.chats.list({ limit: 1001 }), 'query.limit'],
      [() => s!.codeer.chats.listPage({ orderBy: 'newest' as never }), 'query.orderBy'],
      [() => s!.codeer.chats.update(-1, {}), 'chatId'],
      [() => s!.codeer.chats.update('12a', {}), 'chatId'],
      [() => s!.codeer.chats.submitForm(1, 'a/b', {}), 'formRequestId'],
      [() => s!.codeer.messages.send(1, { message: '' }), 'input.message'],
      [() => s!.codeer.messages.stream(1, { message: 'x', attachedFileUuids: [''] }), 'input.attachedFileUuids.0'],
      [() => s!.codeer.messages.stream(1, { message: 'x', includeToolTags: 'yes' as never }), 'input.includeToolTags'],
      [() => s!.codeer.messages.list(1, { offset: -1 }), 'query.offset'],
      [() => s!.codeer.messages.feedback(1, 0, {}), 'messageId'],
      [() => s!.codeer.messages.send(1, { message: 'x' }, { timeouts: { idleMs: -5 } }), 'options.timeouts.idleMs'],
      [() => s!.codeer.files.upload({ file: 'text' as never, filename: 'a.txt' }), 'input.file'],
      [() => s!.codeer.files.upload({ file: new Uint8Array(1) }), 'input.filename'],
      [() => s!.codeer.files.upload({ file: new Uint8Array(1), filename: 'blob.bin' }), 'input.contentType'],
      [
        () => s!.codeer.files.upload({ file: new Uint8Array(1), filename: 'a.txt', scope: 'forever' as never }),
        'input.scope',
      ],
      [() => s!.codeer.batches.create({ requests: [] }), 'input.requests'],
      [
        () =>
          s!.codeer.batches.create({
            requests: [
              { customId: 'a', message: 'x' },
              { customId: 'a', message: 'y' },
            ],
          }),
        'input.requests.1.customId',
      ],
      [
        () =>
          s!.codeer.batches.create({
            requests: [{ customId: 'a', message: 'x' }],
            webhook: { url: 'http://example.com' },
          }),
        'input.webhook.url',
      ],
      [() => s!.codeer.batches.get(''), 'batchId'],
      [() => s!.codeer.streamChat({ message: 'x', chatId: 0 }), 'input.chatId'],
      [() => s!.codeer.ask({ message: 'x', chatName: 'n'.repeat(300) }), 'input.chatName'],
    ];
    for (const [call, field] of cases) {
      const error = await rejection(async () => call());
      expect(InvalidArgumentError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(field);
    }
    expect(s.sim.requests).toHaveLength(0);
  });

  it('rejects bad settings naming the field', () => {
    expect(() => createCodeer({ baseURL: 'ftp://x' })).toThrow(/settings\.baseURL/);
    expect(() => createCodeer({ maxRetries: -1 })).toThrow(/settings\.maxRetries/);
    expect(() => createCodeer({ apiKeys: 'x' } as never)).toThrow(InvalidArgumentError);
    expect(() => createCodeer({ headers: { 'bad header': 'x' } })).toThrow(/settings\.headers/);
  });
});

describe('configuration', () => {
  it('throws MissingConfigError naming CODEER_API_KEY, with zero requests', async () => {
    const sim = await startCodeerSimulator();
    s = { sim, codeer: createCodeer() };
    vi.stubEnv('CODEER_API_KEY', '');
    const codeer = createCodeer({ baseURL: sim.url, agentId: sim.agentId });
    const error = await rejection(codeer.agents.list());
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ setting: 'apiKey', envVar: 'CODEER_API_KEY' });
    expect((error as Error).message).toContain('CODEER_API_KEY');
    expect(sim.requests).toHaveLength(0);
  });

  it('throws MissingConfigError naming CODEER_AGENT_ID, with zero requests', async () => {
    const sim = await startCodeerSimulator();
    s = { sim, codeer: createCodeer() };
    vi.stubEnv('CODEER_AGENT_ID', '');
    const codeer = createCodeer({ apiKey: sim.apiKey, baseURL: sim.url });
    for (const call of [
      () => codeer.chats.create(),
      () => codeer.ask({ message: 'x' }),
      () => codeer.batches.create({ requests: [{ customId: 'a', message: 'b' }] }),
    ]) {
      const error = await rejection(call());
      expect(error).toMatchObject({ name: 'MissingConfigError', setting: 'agentId', envVar: 'CODEER_AGENT_ID' });
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('reads CODEER_API_KEY, CODEER_BASE_URL and CODEER_AGENT_ID lazily', async () => {
    const sim = await startCodeerSimulator();
    s = { sim, codeer: createCodeer() };
    const codeer = createCodeer();
    vi.stubEnv('CODEER_API_KEY', sim.apiKey);
    vi.stubEnv('CODEER_BASE_URL', sim.url);
    vi.stubEnv('CODEER_AGENT_ID', sim.agentId);
    const answer = await codeer.ask({ message: '環境変数から' });
    expect(answer.text.length).toBeGreaterThan(0);
    expect(sim.requests[0]!.headers['x-api-key']).toBe(sim.apiKey);
  });
});

describe('secrets', () => {
  it('never shows the API key or a webhook secret in an error', async () => {
    const key = 'ck-live-SECRET-9f8e7d6c5b4a';
    s = await setup({}, { apiKey: key });
    const errors: unknown[] = [];
    errors.push(await rejection(s.codeer.agents.list())); // 401: wrong key
    s.sim.configure({ apiKey: key });
    s.sim.platformError({ code: 10001, message: `key ${key} is revoked` });
    errors.push(await rejection(s.codeer.agents.list()));
    s.sim.platformError({ code: 10006, status: 400, message: `bad x-api-key: ${key}` });
    errors.push(await rejection(s.codeer.chats.create()));
    const secret = 'whsec-TOP-SECRET-value-42';
    errors.push(
      await rejection(
        s.codeer.batches.create({
          requests: [{ customId: 'a', message: 'x' }],
          webhook: { url: 'http://plain', secret },
        }),
      ),
    );
    errors.push(
      await rejection(
        s.codeer.batches.create({
          requests: [{ customId: 'a', message: 'x' }],
          webhook: { url: 'https://ok.example', secret: secret.repeat(20) },
        }),
      ),
    );
    for (const error of errors) {
      expect(KakehashiError.isInstance(error)).toBe(true);
      const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack} ${JSON.stringify((error as KakehashiError).toJSON())}`;
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
    }
    expect(String(errors[1])).toContain('[REDACTED]');
  });
});
