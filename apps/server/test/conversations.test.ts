/**
 * Conversations through the gateway, as stateless OpenAI clients hold them: the official `openai`
 * client sends the whole history with every request and no platform id, and the server (its SQLite
 * store) continues the same platform session: one Codeer chat, one miibo uid, one AgenticStar
 * conversation, as the simulators see them. Also: conversations kept apart, explicit ids winning,
 * two requests continuing one conversation at once, a broken store, and a restart of the real binary.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { simulatorEnv, startSimulators, type Simulators } from './chat-completions-harness';
import { ask, converse, mark, openaiClient, PLATFORMS, platformView } from './conversations-helpers';
import { logSink, startInProcess, startServer, tempDir } from './server-harness';

let sims: Simulators;
let dir: { path: string; remove: () => void };
let server: KakehashiServer;
let url: string;

beforeAll(async () => {
  sims = await startSimulators();
  dir = tempDir('kakehashi-conversations-');
  ({ server, url } = await startInProcess({
    env: simulatorEnv(sims),
    store: { sqlitePath: join(dir.path, 'kakehashi.sqlite') },
  }));
});
afterAll(async () => {
  await server?.close(1000);
  await sims?.close();
  dir?.remove();
});

describe.each(PLATFORMS)('%s: three turns with the whole history and no ids', (platform) => {
  it.each([false, true])('stream: %s — one platform session', async (stream) => {
    const since = mark(sims);
    const { sessions } = await converse(
      openaiClient(url),
      platform,
      [`${platform}の一つ目 (stream ${stream})`, '二つ目', '三つ目'],
      stream,
    );
    const seen = platformView(sims, platform, since);
    expect(seen.created).toBe(1);
    expect(seen.turns).toHaveLength(3);
    if (platform === 'agenticstar') {
      // The first turn created the conversation; the next two continued it.
      expect(seen.turns).toEqual(['new', seen.createdIds[0], seen.createdIds[0]]);
    } else {
      expect(new Set(seen.turns).size).toBe(1);
    }
    expect(new Set(sessions).size).toBe(1);
    expect(sessions[0]).toMatch(/\S/);
  });
});

describe('which conversation a request continues', () => {
  it.each(PLATFORMS)('%s: conversations with different first messages stay apart', async (platform) => {
    const openai = openaiClient(url);
    const since = mark(sims);
    const a = await converse(openai, platform, ['りんごの話', 'もっと'], false);
    const b = await converse(openai, platform, ['みかんの話', 'もっと'], true);
    // Going back to the first one continues it.
    const a3 = await ask(openai, platform, [...a.history, { role: 'user', content: 'りんごに戻ります' }], true);
    expect(new Set(a.sessions).size).toBe(1);
    expect(new Set(b.sessions).size).toBe(1);
    expect(a.sessions[0]).not.toBe(b.sessions[0]);
    expect(a3.session).toBe(a.sessions[0]);
    expect(platformView(sims, platform, since).created).toBe(2);
  });

  it('explicit ids win: conversation_id continues the session it names; with user nothing is looked up', async () => {
    const openai = openaiClient(url);
    const other = await converse(openai, 'codeer', ['別の会話'], false);
    const { history, sessions } = await converse(openai, 'codeer', ['元の会話'], false);
    const since = mark(sims);
    const named = await ask(openai, 'codeer', [...history, { role: 'user', content: '続き' }], true, {
      conversation_id: other.sessions[0],
    });
    expect(named.session).toBe(other.sessions[0]);
    expect(platformView(sims, 'codeer', since).turns).toEqual([other.sessions[0]]);

    // `user` is an id too (miibo uid): the history is not looked up, the uid is the session.
    const withUser = await ask(openai, 'miibo', [...history, { role: 'user', content: '続き' }], false, {
      user: 'shop_user_9',
    });
    expect(withUser.session).toBe('shop_user_9');
    expect(sessions[0]).not.toBe(other.sessions[0]);
  });

  it('two requests continuing one conversation at once both continue its session; the platform orders them', async () => {
    const openai = openaiClient(url);
    for (const platform of PLATFORMS) {
      const first = await converse(openai, platform, [`${platform}: 並行の始まり`], false);
      const since = mark(sims);
      const [x, y] = await Promise.all([
        ask(openai, platform, [...first.history, { role: 'user', content: '枝A' }], true),
        ask(openai, platform, [...first.history, { role: 'user', content: '枝B' }], false),
      ]);
      expect([x.session, y.session]).toEqual([first.sessions[0], first.sessions[0]]);
      const seen = platformView(sims, platform, since);
      expect(seen.created).toBe(platform === 'miibo' ? 1 : 0); // miibo: the one uid seen again
      expect(new Set(seen.turns).size).toBe(1);
      // Each branch goes on in that session.
      const xNext = await ask(
        openai,
        platform,
        [
          ...first.history,
          { role: 'user', content: '枝A' },
          { role: 'assistant', content: x.text },
          { role: 'user', content: '枝Aの続き' },
        ],
        false,
      );
      expect(xNext.session).toBe(first.sessions[0]);
    }
  });

  it('the mapping is in the SQLite file, digests only: no message text is stored', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const secret = '秘密のメッセージ-7f3a';
    await converse(openaiClient(url), 'codeer', [secret], false);
    const db = new DatabaseSync(join(dir.path, 'kakehashi.sqlite'), { readOnly: true });
    try {
      const rows = db.prepare('SELECT namespace, key, value, expires_at FROM conversations').all() as Array<{
        namespace: string;
        key: string;
        value: string;
        expires_at: number;
      }>;
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.namespace).toBe('session');
        expect(row.key).toMatch(/^[0-9a-f]{64}$/);
        expect(row.expires_at).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
      }
      expect(JSON.stringify(rows)).not.toContain(secret);
      const plan = db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT value FROM conversations WHERE namespace = 'session' AND key = 'k' AND expires_at > 0",
        )
        .all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING PRIMARY KEY/);
    } finally {
      db.close();
    }
  });
});

describe('a conversation store that fails', () => {
  it('does not fail the chat: the failure is logged and the conversation starts a new session', async () => {
    const sink = logSink();
    const broken = await startInProcess({
      env: simulatorEnv(sims),
      conversations: {
        get: () => Promise.reject(new Error('database is locked')),
        put: () => Promise.reject(new Error('database is locked')),
      },
      logger: { level: 'warn', destination: sink.destination },
    });
    try {
      const since = mark(sims);
      const { history, sessions } = await converse(openaiClient(broken.url), 'codeer', ['壊れた保存先', '次'], true);
      expect(history.filter((m) => m.role === 'assistant').every((m) => m.content.length > 0)).toBe(true);
      expect(sessions[0]).not.toBe(sessions[1]);
      expect(platformView(sims, 'codeer', since).created).toBe(2);
      const warnings = sink.lines().filter((l) => String(l.msg).includes('conversation store failed'));
      expect(warnings.map((w) => w.operation)).toEqual(['remember', 'lookup', 'remember']);
      expect(warnings[0]).toMatchObject({ error: { message: 'database is locked' }, component: 'chat-completions' });
    } finally {
      await broken.server.close(1000);
    }
  });

  it('conversations: false switches continuing off', async () => {
    const off = await startInProcess({ env: simulatorEnv(sims), conversations: false });
    try {
      expect(off.server.conversations).toBeUndefined();
      const since = mark(sims);
      await converse(openaiClient(off.url), 'codeer', ['一つ目', '二つ目'], false);
      expect(platformView(sims, 'codeer', since).created).toBe(2);
    } finally {
      await off.server.close(1000);
    }
  });
});

describe('the real binary on a SQLite file, restarted', () => {
  it('continues a conversation begun before the restart; KAKEHASHI_CONVERSATION_TTL sets the expiry', async () => {
    const path = join(dir.path, 'restart.sqlite');
    const env = { ...simulatorEnv(sims), KAKEHASHI_SQLITE_PATH: path, KAKEHASHI_CONVERSATION_TTL: '7200' };
    const since = mark(sims);
    const before = await startServer(env);
    let history: Awaited<ReturnType<typeof converse>>['history'];
    let sessions: Array<string | undefined>;
    try {
      expect(before.stderr()).toContain('"conversations":"sqlite"');
      ({ history, sessions } = await converse(openaiClient(before.url), 'codeer', ['再起動の前'], true));
    } finally {
      await before.stop();
    }
    const after = await startServer(env);
    try {
      const next = await ask(
        openaiClient(after.url),
        'codeer',
        [...history, { role: 'user', content: '再起動の後' }],
        false,
      );
      expect(next.session).toBe(sessions[0]);
      const seen = platformView(sims, 'codeer', since);
      expect(seen.created).toBe(1);
      expect(seen.turns).toEqual([sessions[0], sessions[0]]);
    } finally {
      await after.stop();
    }
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const { latest } = db.prepare('SELECT max(expires_at) AS latest FROM conversations').get() as { latest: number };
      // Two hours from the last turn (written just now), not the 24 h default.
      expect(latest).toBeLessThanOrEqual(Date.now() + 7200 * 1000);
      expect(latest).toBeGreaterThan(Date.now() + 7000 * 1000);
    } finally {
      db.close();
    }
  });
});

describe('configuration', () => {
  it('KAKEHASHI_CONVERSATION_TTL is seconds; 0 switches conversations off; a bad value names the variable', async () => {
    const { serverConfigFromEnv, ServerConfigError } = await import('../src/index');
    expect(serverConfigFromEnv({}).conversationTtlSeconds).toBeUndefined();
    expect(serverConfigFromEnv({ KAKEHASHI_CONVERSATION_TTL: '3600' }).conversationTtlSeconds).toBe(3600);
    expect(serverConfigFromEnv({ KAKEHASHI_CONVERSATION_TTL: '0' }).conversations).toBe(false);
    expect(() => serverConfigFromEnv({ KAKEHASHI_CONVERSATION_TTL: '1h' })).toThrow(ServerConfigError);
    expect(() => serverConfigFromEnv({ KAKEHASHI_CONVERSATION_TTL: '1h' })).toThrow(/KAKEHASHI_CONVERSATION_TTL/);
    const { createKakehashiServer } = await import('../src/index');
    expect(() => createKakehashiServer({ conversationTtlSeconds: 0, store: { sqlitePath: ':memory:' } })).toThrow(
      /conversationTtlSeconds/,
    );
    expect(() => createKakehashiServer({ conversations: {} as never, store: { sqlitePath: ':memory:' } })).toThrow(
      /conversations must be a ConversationStore/,
    );
  });
});
