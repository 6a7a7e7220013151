// A CommonJS project that installed the packages: `require()` of the ESM builds (Node's require(esm),
// on by default since Node 22.12), through each package's exports map (`default` condition), in a
// separate Node process whose only view of the packages is its own node_modules.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startCodeerSimulator, startMiiboSimulator } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGES = ['sse-core', 'auth', 'agenticstar', 'codeer', 'miibo', 'platforms'] as const;

// Runs in the child. `require` only: the file is CommonJS (`.cjs`, and `"type": "commonjs"` beside it).
const CONSUMER = `'use strict';
const core = require('@kakehashi/sse-core');
const { createCodeer } = require('@kakehashi/codeer');
const { createMiibo } = require('@kakehashi/miibo');
const { createAgenticStar } = require('@kakehashi/agenticstar');
const { defaultPlatforms } = require('@kakehashi/platforms');

async function main() {
  const env = process.env;
  const out = { requireModule: process.features.require_module === true };
  out.types = {
    createHttpClient: typeof core.createHttpClient,
    KakehashiError: typeof core.KakehashiError,
    createCodeer: typeof createCodeer,
    createMiibo: typeof createMiibo,
    createAgenticStar: typeof createAgenticStar,
    defaultPlatforms: typeof defaultPlatforms.get,
  };
  // One module instance whichever way it is loaded: no dual-package hazard.
  out.sameAsImport = {};
  for (const name of ${JSON.stringify(PACKAGES)}) {
    out.sameAsImport[name] = require('@kakehashi/' + name) === (await import('@kakehashi/' + name));
  }
  out.platformNames = defaultPlatforms.names;
  out.agenticstarLoads = typeof (await defaultPlatforms.get('agenticstar')).createAgent;

  const codeer = createCodeer({ apiKey: env.CODEER_KEY, baseURL: env.CODEER_URL, agentId: env.CODEER_AGENT });
  const stream = await codeer.streamChat({ message: 'こんにちは' });
  let deltas = '';
  for await (const event of stream.agentEvents()) {
    if (event.type === 'text-delta') deltas += event.delta;
    if (event.type === 'finish') out.codeerFinish = event.text;
  }
  out.codeerDeltas = deltas;

  const miibo = createMiibo({ apiKey: env.MIIBO_KEY, baseURL: env.MIIBO_URL, agentId: env.MIIBO_AGENT });
  out.miiboText = (await miibo.ask({ utterance: '営業時間は?', uid: 'cjs-user' })).text;

  const wrong = createCodeer({ apiKey: 'wrong-key-cjs-1234567890', baseURL: env.CODEER_URL, agentId: env.CODEER_AGENT });
  try {
    await wrong.ask({ message: 'こんにちは' });
    out.wrongKey = 'resolved';
  } catch (e) {
    out.wrongKey = {
      kakehashiError: core.KakehashiError.isInstance(e),
      apiCallError: core.ApiCallError.isInstance(e),
      status: e.status,
      leaksKey: (String(e.message) + String(e.stack) + JSON.stringify(e)).includes('wrong-key-cjs-1234567890'),
    };
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e));
  process.exit(1);
});
`;

let project: string;

beforeAll(async () => {
  // The packages as this workspace resolves them (their dist and exports map), linked into a fresh
  // project the way a package manager installs them.
  const here = createRequire(import.meta.url);
  project = await mkdtemp(join(tmpdir(), 'kakehashi-cjs-'));
  await mkdir(join(project, 'node_modules', '@kakehashi'), { recursive: true });
  for (const name of PACKAGES) {
    const dir = await realpath(dirname(here.resolve(`@kakehashi/${name}/package.json`)));
    await symlink(dir, join(project, 'node_modules', '@kakehashi', name), 'dir');
  }
  await writeFile(join(project, 'package.json'), '{ "name": "cjs-consumer", "private": true, "type": "commonjs" }\n');
  await writeFile(join(project, 'consumer.cjs'), CONSUMER);
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

function runConsumer(env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['consumer.cjs'],
      { cwd: project, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`consumer.cjs failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Record<string, unknown>);
      },
    );
  });
}

describe('a CommonJS consumer', () => {
  it('require()s sse-core, the SDKs and the registry, and streams Japanese text through them', async () => {
    const answer = '営業時間は平日の9時から18時までです。🙂 よろしくお願いします。';
    await using codeer = await startCodeerSimulator({ answer, deltaSize: 3 });
    await using miibo = await startMiiboSimulator({
      apiKey: 'miibo-key',
      agentId: 'miibo-agent',
      answer: 'こんにちは!',
    });
    codeer.split(1); // one byte per write: multibyte characters arrive cut

    const out = await runConsumer({
      CODEER_URL: codeer.url,
      CODEER_KEY: codeer.apiKey,
      CODEER_AGENT: codeer.agentId,
      MIIBO_URL: miibo.url,
      MIIBO_KEY: 'miibo-key',
      MIIBO_AGENT: 'miibo-agent',
    });

    expect(out.requireModule).toBe(true);
    expect(out.types).toEqual({
      createHttpClient: 'function',
      KakehashiError: 'function',
      createCodeer: 'function',
      createMiibo: 'function',
      createAgenticStar: 'function',
      defaultPlatforms: 'function',
    });
    expect(out.sameAsImport).toEqual(Object.fromEntries(PACKAGES.map((name) => [name, true])));
    expect(out.platformNames).toEqual(['agenticstar', 'codeer', 'miibo']);
    expect(out.agenticstarLoads).toBe('function');
    expect(out.codeerDeltas).toBe(answer);
    expect(out.codeerFinish).toBe(answer);
    expect(out.miiboText).toBe('こんにちは!');
    expect(out.wrongKey).toEqual({ kakehashiError: true, apiCallError: true, status: 401, leaksKey: false });
  });
});
