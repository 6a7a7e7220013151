import { AbortError, AgentStreamError, applyAgentEvent, InvalidArgumentError } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import { createAgentDirectory, createEchoPlatform, createPlatformRegistry, parseAgentModel } from '../src/index';

describe('createPlatformRegistry', () => {
  it('loads a lazy entry once and serves a platform object as it is', async () => {
    let loads = 0;
    const echo = createEchoPlatform();
    const registry = createPlatformRegistry([
      {
        name: 'late',
        load: async () => {
          loads++;
          return createEchoPlatform({ name: 'late' });
        },
      },
      echo,
    ]);
    expect(registry.names).toEqual(['late', 'echo']);
    const [a, b] = await Promise.all([registry.get('late'), registry.get('late')]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    expect(await registry.get('echo')).toBe(echo);
    expect(registry.has('nope')).toBe(false);
    await expect(registry.get('nope')).rejects.toThrow(/"nope" is not a platform here \(late, echo\)/);
  });

  it('refuses a name that cannot be a model or tool prefix', () => {
    expect(() => createPlatformRegistry([createEchoPlatform({ name: 'Bad Name' })])).toThrow(InvalidArgumentError);
  });

  it('with() adds and replaces by name', async () => {
    const base = createPlatformRegistry([createEchoPlatform()]);
    const other = createEchoPlatform({ name: 'echo', answer: () => 'replaced' });
    const next = base.with(other, createEchoPlatform({ name: 'second' }));
    expect(next.names).toEqual(['echo', 'second']);
    expect(await next.get('echo')).toBe(other);
    expect(base.names).toEqual(['echo']);
  });
});

describe('createAgentDirectory', () => {
  it('creates each agent once, lists models, and honours off', async () => {
    const registry = createPlatformRegistry([createEchoPlatform(), createEchoPlatform({ name: 'off-one' })]);
    const directory = createAgentDirectory({
      platforms: registry,
      provide: { 'off-one': false },
      extraAgents: { echo: ['a1'] },
    });
    expect(await directory.agent('echo')).toBe(await directory.agent('echo'));
    expect(await directory.status('off-one')).toEqual({ state: 'off' });
    await expect(directory.agent('off-one')).rejects.toThrow(/switched off/);
    expect(await directory.models()).toEqual([
      { id: 'echo', platform: 'echo' },
      { id: 'echo/a1', platform: 'echo' },
    ]);
  });
});

describe('createEchoPlatform (a platform from the contract alone)', () => {
  it('streams a turn whose deltas add up to the final text, and continues its session', async () => {
    const agent = createEchoPlatform({
      chunkSize: 2,
      answer: (input, n) => `${n}: ${input.messages.at(-1)!.content}`,
    }).createAgent();
    const turn = agent.startTurn({ messages: [{ role: 'user', content: 'こんにちは😀' }] });
    let text = '';
    let finish = '';
    for await (const event of turn) {
      text = applyAgentEvent(text, event);
      if (event.type === 'finish') finish = event.text;
    }
    expect(text).toBe('1: こんにちは😀');
    expect(finish).toBe(text);
    const session = turn.session();
    expect(session).toMatch(/^echo-session-/);
    const second = await agent.startTurn({ messages: [{ role: 'user', content: 'again' }], session }).collect();
    expect(second).toMatchObject({ text: '2: again', session });
  });

  it('cancel() in the middle of a read rejects the pending read with AbortError', async () => {
    const agent = createEchoPlatform({ delayMs: 50, chunkSize: 1 }).createAgent();
    const turn = agent.startTurn({ messages: [{ role: 'user', content: 'slow answer' }] });
    expect((await turn.next()).value).toMatchObject({ type: 'start' });
    const pending = turn.next();
    turn.cancel();
    await expect(pending).rejects.toSatisfy((e) => AbortError.isInstance(e));
    expect(await turn.next()).toEqual({ done: true, value: undefined });
  });

  it('a read after cancel() is an abort, never a cut stream', async () => {
    const turn = createEchoPlatform({ delayMs: 20 })
      .createAgent()
      .startTurn({ messages: [{ role: 'user', content: 'x' }] });
    expect((await turn.next()).value).toMatchObject({ type: 'start' });
    turn.cancel();
    await expect(turn.next()).rejects.toSatisfy((e) => AbortError.isInstance(e));
    expect(await turn.next()).toEqual({ done: true, value: undefined });
  });

  it('names the field of bad input, before anything runs', () => {
    const agent = createEchoPlatform().createAgent();
    expect(() => agent.startTurn({ messages: [{ role: 'assistant', content: 'x' }] })).toThrow(/input\.messages/);
  });

  it('collect() rejects a turn the caller aborted', async () => {
    const controller = new AbortController();
    const agent = createEchoPlatform({ delayMs: 20 }).createAgent();
    const turn = agent.startTurn({ messages: [{ role: 'user', content: 'abc' }] }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(turn.collect()).rejects.toSatisfy((e) => AbortError.isInstance(e) || AgentStreamError.isInstance(e));
  });
});

describe('parseAgentModel', () => {
  it('splits platform and agent', () => {
    expect(parseAgentModel('Codeer/abc-1 ')).toEqual({ platform: 'codeer', agentId: 'abc-1' });
    expect(parseAgentModel('agenticstar')).toEqual({ platform: 'agenticstar', agentId: undefined });
    expect(parseAgentModel('miibo/')).toEqual({ platform: 'miibo', agentId: '' });
  });
});
