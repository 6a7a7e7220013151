/**
 * The SDKs on workerd, Cloudflare Workers' runtime (from npm), bundled with esbuild from their dist as
 * a Worker build would. One Worker without nodejs_compat runs sse-core, Codeer, miibo and AgenticStar;
 * one with nodejs_compat runs auth and aliyun-aiagent (HMAC and SHA-256 signing through node:crypto).
 * The Workers reach the simulators through a network service that allows loopback only.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, type Bundle } from './esbuild-bundle';
import {
  AGENTICSTAR_CASES,
  NODE_COMPAT_CASES,
  WEB_CASES,
  bareEnv,
  checkCase,
  freePort,
  runtimeBinary,
  startProcess,
  startSimulators,
  tempDir,
  type CaseResult,
  type Simulators,
} from './runtime-harness';

const COMPATIBILITY_DATE = '2025-09-01';

function workerdConfig(webPort: number, compatPort: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "web", worker = .web),
    (name = "compat", worker = .compat),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "web", address = "127.0.0.1:${webPort}", http = (), service = "web"),
    (name = "compat", address = "127.0.0.1:${compatPort}", http = (), service = "compat"),
  ],
);

const web :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker-web.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  globalOutbound = "loopback",
);

const compat :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker-node-compat.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "loopback",
);
`;
}

/** Waits until workerd answers on the port (it prints nothing when ready). */
async function whenListening(url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(url, { method: 'HEAD' });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not start:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('workerd (Cloudflare Workers)', () => {
  let sims: Simulators;
  let web: Bundle;
  let compat: Bundle;
  let webResults: Record<string, CaseResult> | undefined;
  let compatResults: Record<string, CaseResult> | undefined;
  let stop: (() => Promise<void>) | undefined;
  let removeDir: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    sims = await startSimulators();
    web = await bundle('worker-web.mjs', 'workerd');
    compat = await bundle('worker-node-compat.mjs', 'workerd-nodejs-compat');
    const dir = await tempDir('kakehashi-workerd-');
    removeDir = dir.remove;
    await writeFile(join(dir.path, 'worker-web.js'), web.code);
    await writeFile(join(dir.path, 'worker-node-compat.js'), compat.code);
    const [webPort, compatPort] = [await freePort(), await freePort()];
    await writeFile(join(dir.path, 'config.capnp'), workerdConfig(webPort, compatPort));
    const workerd = startProcess(runtimeBinary('workerd'), ['serve', 'config.capnp'], {
      cwd: dir.path,
      env: bareEnv(),
    });
    stop = workerd.stop;
    const ask = async (port: number) => {
      await whenListening(`http://127.0.0.1:${port}/`, () => workerd.output);
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: JSON.stringify(sims.config) });
      const text = await res.text();
      try {
        return JSON.parse(text) as Record<string, CaseResult>;
      } catch {
        throw new Error(`the Worker answered ${res.status}: ${text}\n${workerd.output}`);
      }
    };
    webResults = await ask(webPort);
    compatResults = await ask(compatPort);
  }, 180_000);
  afterAll(async () => {
    await stop?.();
    await removeDir?.();
    await sims?.close();
  });

  describe('without nodejs_compat', () => {
    it('bundles with no Node built-in and without undici', () => {
      expect(web.inputs.filter((f) => f.startsWith('node:') || f.includes('/undici/'))).toEqual([]);
    });
    it.each([...WEB_CASES, ...AGENTICSTAR_CASES])('%s', async (name) => {
      await checkCase(webResults, name, sims);
    });
  });

  describe('with nodejs_compat', () => {
    it.each(NODE_COMPAT_CASES)('%s', async (name) => {
      await checkCase(compatResults, name, sims);
    });
  });
});
