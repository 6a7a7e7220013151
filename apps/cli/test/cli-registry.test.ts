import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createEchoPlatform, createPlatformRegistry, defaultPlatforms } from '@kakehashi/platforms';
import { type AgentEvent, applyAgentEvent } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index';
import { scriptedPlatform } from './contract-platforms';
import { FakeTerminal, RecordingStream } from './fake-terminal';
import { runMain } from './run-main';

const run = runMain;

describe('a platform registered from outside the CLI', () => {
  it('`chat echo hi` answers through the echo platform, with no change to the CLI', async () => {
    const platforms = defaultPlatforms.with(createEchoPlatform());
    const r = await run(['chat', 'echo', 'hi'], { platforms });
    expect(r).toEqual({
      code: 0,
      stdout: 'echo: hi\n',
      stderr: '↳ session echo-session-1 (continue with --session echo-session-1)\n',
    });
  });

  it('lists the registered platforms in the help and in the unknown-platform error', async () => {
    const platforms = defaultPlatforms.with(createEchoPlatform());
    expect((await run(['chat', '--help'], { platforms })).stdout).toContain(
      'kakehashi chat <agenticstar|codeer|miibo|echo>',
    );
    const r = await run(['chat', 'nope', 'hi'], { platforms });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'kakehashi: unknown platform "nope": expected one of agenticstar, codeer, miibo, echo (see --help)\n',
    );
  });

  it('--json prints one AgentEvent per line, whose text adds up to finish.text', async () => {
    const platforms = createPlatformRegistry([createEchoPlatform({ chunkSize: 1, steps: ['考える'] })]);
    const r = await run(['chat', 'echo', '--json', '日本語', 'で'], { platforms });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AgentEvent);
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'step-start',
      'step-end',
      ...Array.from('echo: 日本語 で', () => 'text-delta'),
      'finish',
    ]);
    expect(events.reduce(applyAgentEvent, '')).toBe('echo: 日本語 で');
  });

  it('reads the message from stdin when none is given', async () => {
    const platforms = createPlatformRegistry([createEchoPlatform()]);
    const r = await run(['chat', 'echo'], {
      platforms,
      stdin: Readable.from([Buffer.from('パイプ'), Buffer.from('から\n')]),
    });
    expect(r.stdout).toBe('echo: パイプから\n');
  });
});

describe('flags map onto the contract, the same for every platform', () => {
  it.each([
    ['--chat', 'c-1'],
    ['--conversation', 'conv-1'],
    ['--uid', 'user-42'],
    ['--session', 's-9'],
  ])('%s <id> continues that session', async (flag, id) => {
    const { platform, record } = scriptedPlatform({
      name: 'p',
      events: [{ type: 'finish', text: '', reason: 'stop' }],
    });
    const r = await run(['chat', 'p', flag, id, 'hi'], { platforms: createPlatformRegistry([platform]) });
    expect(r.code).toBe(0);
    expect(record.inputs).toEqual([{ messages: [{ role: 'user', content: 'hi' }], session: id }]);
    expect(r.stderr).not.toContain('↳ session'); // the session given is the one continued: nothing new to tell
  });

  it('--agent is the agent id and --user the end user', async () => {
    const { platform, record } = scriptedPlatform({
      name: 'p',
      events: [{ type: 'finish', text: 'ok', reason: 'stop' }],
    });
    const r = await run(['chat', 'p', '--agent', 'a-1', '--user', 'u-1', 'hi'], {
      platforms: createPlatformRegistry([platform]),
    });
    expect(r.code).toBe(0);
    expect(record.inputs[0]).toEqual({ messages: [{ role: 'user', content: 'hi' }], agentId: 'a-1', userId: 'u-1' });
  });

  it('two different sessions, or an empty one, are bad usage (exit 2)', async () => {
    const platforms = createPlatformRegistry([createEchoPlatform()]);
    const both = await run(['chat', 'echo', '--chat', '1', '--uid', '2', 'hi'], { platforms });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--chat, --uid: each names the session/);
    expect((await run(['chat', 'echo', '--chat', '', 'hi'], { platforms })).stderr).toMatch(/--chat needs a value/);
    expect((await run(['chat', 'echo', '--chat', '7', '--conversation', '7', 'hi'], { platforms })).code).toBe(0);
  });

  it('a session the platform refuses is reported with the flag that gave it (exit 2)', async () => {
    const { platform } = scriptedPlatform({ name: 'p', numericSessions: true });
    const r = await run(['chat', 'p', '--chat', 'abc', 'hi'], { platforms: createPlatformRegistry([platform]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kakehashi: --chat: must be a chat id (digits) (see --help)\n');
  });
});

describe('configuration (exit 2, naming the variable)', () => {
  const needy = () =>
    scriptedPlatform({
      name: 'needy',
      envVars: ['NEEDY_API_KEY', 'NEEDY_AGENT_ID'],
      events: [{ type: 'finish', text: 'configured', reason: 'stop' }],
      status: ({ env = {} }) =>
        env.NEEDY_API_KEY
          ? { ready: true, defaultAgentId: env.NEEDY_AGENT_ID, agentOptional: env.NEEDY_AGENT_ID !== undefined }
          : { ready: false, missing: 'NEEDY_API_KEY' },
    });

  it('a missing variable', async () => {
    const { platform } = needy();
    const r = await run(['chat', 'needy', 'hi'], { platforms: createPlatformRegistry([platform]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'kakehashi: needy is not configured: set NEEDY_API_KEY (in the environment or a .env file)\n',
    );
  });

  it('no agent where the platform needs one', async () => {
    const { platform } = needy();
    const r = await run(['chat', 'needy', 'hi'], {
      platforms: createPlatformRegistry([platform]),
      env: { NEEDY_API_KEY: 'k' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needy needs an agent: pass --agent <id> or set NEEDY_AGENT_ID/);
  });

  it('the variables come from the env given, and from --env-file, which must exist', async () => {
    const { platform, record } = needy();
    const platforms = createPlatformRegistry([platform]);
    const dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-env-'));
    writeFileSync(join(dir, 'needy.env'), 'NEEDY_API_KEY=from-file\nNEEDY_AGENT_ID=agent-from-file\n');
    const env: Record<string, string | undefined> = { NO_COLOR: '1', NEEDY_AGENT_ID: 'agent-from-env' };
    const r = await run(['chat', 'needy', '--env-file', join(dir, 'needy.env'), 'hi'], { platforms, env });
    expect(r).toMatchObject({ code: 0, stdout: 'configured\n' });
    // The environment wins over the file; the platform got exactly that environment.
    expect(env).toMatchObject({ NEEDY_API_KEY: 'from-file', NEEDY_AGENT_ID: 'agent-from-env' });
    expect(record.settings[0]!.env).toBe(env);
    const missing = await run(['chat', 'needy', '--env-file', join(dir, 'nope.env'), 'hi'], { platforms });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`kakehashi: --env-file ${join(dir, 'nope.env')}: no such file\n`);
  });
});

describe('failures and cancellation', () => {
  it('an error event: exit 1, one line on stderr, stdout keeps what arrived', async () => {
    const { platform } = scriptedPlatform({
      name: 'p',
      events: [
        { type: 'text-delta', delta: '途中まで' },
        { type: 'error', message: 'upstream went away', retryable: true },
      ],
    });
    const r = await run(['chat', 'p', 'hi'], { platforms: createPlatformRegistry([platform]) });
    expect(r).toEqual({ code: 1, stdout: '途中まで\n', stderr: 'kakehashi: p stream failed: upstream went away\n' });
  });

  it('aborting the signal (Ctrl-C) cancels the turn: exit 130', async () => {
    const { platform, record } = scriptedPlatform({
      name: 'p',
      events: [{ type: 'text-delta', delta: '考え中' }],
      stallAfter: true,
    });
    const controller = new AbortController();
    const stdout = new RecordingStream(false, undefined, undefined, () => controller.abort(new Error('Ctrl-C')));
    const stderr = new RecordingStream();
    const code = await main(['chat', 'p', 'hi'], {
      platforms: createPlatformRegistry([platform]),
      env: {},
      stdout,
      stderr,
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(record.cancelled).toBeGreaterThan(0);
    expect(stdout.text()).toBe('考え中\n');
    expect(stderr.text()).toBe('kakehashi: cancelled\n');
  });
});

describe('a platform that rewrites text (rewritesText)', () => {
  const rewriting = () =>
    scriptedPlatform({
      name: 'rw',
      rewritesText: true,
      events: [
        { type: 'text-delta', delta: '検索しています…' },
        { type: 'text-replace', text: '東京' },
        { type: 'text-delta', delta: 'タワーです。' },
        { type: 'finish', text: '東京タワーです。', reason: 'stop' },
      ],
    }).platform;

  it('into a pipe or a file: stdout holds the final text only', async () => {
    const r = await run(['chat', 'rw', 'hi'], { platforms: createPlatformRegistry([rewriting()]) });
    expect(r.stdout).toBe('東京タワーです。\n');
  });

  it('on a terminal: streamed, then redrawn in place', async () => {
    const term = new FakeTerminal(60);
    const code = await main(['chat', 'rw', 'hi'], {
      platforms: createPlatformRegistry([rewriting()]),
      env: { NO_COLOR: '1' },
      stdout: term.out,
      stderr: term.err,
    });
    expect(code).toBe(0);
    expect(term.out.text()).toContain('検索しています…'); // the draft was shown while it was the answer
    expect(term.lines()).toEqual(['東京タワーです。', '↳ session rw-1 (continue with --session rw-1)']);
  });
});
