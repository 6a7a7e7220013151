import { ApiCallError } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import { parseConversationPage } from '@kakehashi/agenticstar';
import { collect, failure, saasClient, simulator } from './helpers';

describe('GET /v1/conversations (cursor pages)', () => {
  it('gets one page with limit, order and the next cursor', async () => {
    const sim = await simulator({ seedConversations: 5 });
    const page = await saasClient(sim).getConversationPage({ limit: 2 });
    const [request] = sim.conversationRequests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v1/conversations');
    expect(request?.query.get('limit')).toBe('2');
    expect(request?.query.has('cursor')).toBe(false);
    expect(request?.headers.authorization).toMatch(/^Bearer /);
    expect(page.items.map((c) => c.conversationId)).toEqual(['conv-seed-0005', 'conv-seed-0004']);
    expect(page.hasMore).toBe(true);
    expect(page.cursor).toBe(page.items[1]!.createdAt);
    expect(page.raw).toHaveProperty('conversations');
  });

  it('follows the cursor, passed back unchanged, until hasMore is false', async () => {
    const sim = await simulator({ seedConversations: 7 });
    const pages = await collect(saasClient(sim).listConversationPages({ limit: 3 }));
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    const cursors = sim.conversationRequests.map((r) => r.query.get('cursor'));
    expect(cursors).toEqual([null, pages[0]!.cursor, pages[1]!.cursor]);
  });

  it('iterates every conversation, in either order', async () => {
    const sim = await simulator({ seedConversations: 5 });
    const agenticstar = saasClient(sim);
    const desc = await collect(agenticstar.listConversations({ limit: 2 }));
    expect(desc.map((c) => c.title)).toEqual(['会話 5', '会話 4', '会話 3', '会話 2', '会話 1']);
    const asc = await collect(agenticstar.listConversations({ limit: 2, order: 'asc' }));
    expect(asc.map((c) => c.title)).toEqual(['会話 1', '会話 2', '会話 3', '会話 4', '会話 5']);
    expect(sim.conversationRequests.at(-1)?.query.get('order')).toBe('asc');
  });

  it('starts from a given cursor and stops after maxPages', async () => {
    const sim = await simulator({ seedConversations: 6 });
    const agenticstar = saasClient(sim);
    const first = await agenticstar.getConversationPage({ limit: 2 });
    const rest = await collect(agenticstar.listConversationPages({ limit: 2, cursor: first.cursor, maxPages: 1 }));
    expect(rest).toHaveLength(1);
    expect(rest[0]!.items.map((c) => c.title)).toEqual(['会話 4', '会話 3']);
    expect(sim.conversationRequests[1]!.query.get('cursor')).toBe(first.cursor);
  });

  it('lists conversations created by chats', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    const answer = await agenticstar.ask('新しい会話');
    const all = await collect(agenticstar.listConversations());
    expect(all).toEqual([expect.objectContaining({ conversationId: answer.conversationId, title: '新しい会話' })]);
  });

  it('reads other names of the items array', async () => {
    const sim = await simulator({ seedConversations: 3, conversationsField: 'data' });
    expect(await collect(saasClient(sim).listConversations({ limit: 2 }))).toHaveLength(3);
  });

  it('stops fetching pages when the loop breaks', async () => {
    const sim = await simulator({ seedConversations: 6 });
    for await (const c of saasClient(sim).listConversations({ limit: 2 })) if (c.title === '会話 5') break;
    expect(sim.conversationRequests).toHaveLength(1);
  });

  it('429 and 5xx are retried; a 400 is thrown with its code', async () => {
    const sim = await simulator({ seedConversations: 1 });
    const agenticstar = saasClient(sim);
    sim.rateLimit(1, { target: 'conversations', retryAfterSeconds: 0 });
    expect((await agenticstar.getConversationPage()).items).toHaveLength(1);
    expect(sim.conversationRequests).toHaveLength(2);
    const error = await failure(() => agenticstar.getConversationPage({ limit: 1000 }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', retryable: false });
  });

  it('token rotation applies to the list too', async () => {
    const sim = await simulator({ seedConversations: 1 });
    const agenticstar = saasClient(sim);
    await agenticstar.getConversationPage();
    sim.rotateTokens();
    await agenticstar.getConversationPage();
    expect(sim.tokenRequests).toHaveLength(2);
    expect(sim.conversationRequests.map((r) => r.index)).toHaveLength(3);
  });
});

describe('parseConversationPage', () => {
  it('is tolerant of envelope variations', () => {
    expect(
      parseConversationPage({ data: { items: [{ id: 7, name: 'x' }] }, has_more: true, nextCursor: 'n1' }, 'u'),
    ).toMatchObject({
      items: [{ conversationId: '7', id: 7, name: 'x' }],
      hasMore: true,
      cursor: 'n1',
    });
    expect(parseConversationPage([{ conversation_id: 'a' }], 'u')).toMatchObject({
      items: [{ conversationId: 'a' }],
      hasMore: false,
    });
    expect(parseConversationPage({ results: [], hasMore: false, cursor: null }, 'u')).toMatchObject({
      items: [],
      cursor: undefined,
    });
    expect(() => parseConversationPage('nope', 'u')).toThrow(/not a JSON object/);
  });
});
