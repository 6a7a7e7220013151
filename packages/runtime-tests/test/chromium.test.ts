/**
 * Codeer and miibo in a browser: Debian's headless Chromium (driven by playwright-core, no browser
 * download) loads a page whose script is an esbuild browser bundle of the SDKs' dist, and streams
 * chats from the simulators on other loopback ports (cross-origin, so the simulators answer CORS).
 * Without Chromium the tests are skipped with a message, unless CI=true (then they fail).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, type Bundle } from './esbuild-bundle';
import { WEB_CASES, checkCase, startSimulators, type CaseResult, type Simulators } from './runtime-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  const why = `runtime tests: ${CHROMIUM} not found (install it with: apt-get install -y chromium)`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
  console.warn(`${why}; skipping the browser cases`);
}

const PAGE =
  '<!doctype html><html lang="ja"><meta charset="utf-8"><title>kakehashi</title><script type="module" src="/bundle.js"></script></html>';

/** Serves the page and its bundle from its own loopback port: another origin than every simulator. */
async function servePage(code: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(code);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('bundling for browsers', () => {
  it('codeer, miibo and sse-core bundle with esbuild for the browser: no Node built-in, no undici, no Buffer', async () => {
    const browser = await bundle('browser-entry.mjs', 'browser');
    expect(browser.inputs.filter((f) => f.startsWith('node:') || f.includes('/undici/'))).toEqual([]);
    expect(browser.code).not.toMatch(/\bBuffer\./);
  });
});

describe.skipIf(!hasChromium)('headless Chromium', () => {
  let sims: Simulators;
  let page: { url: string; server: Server } | undefined;
  let browser: Browser | undefined;
  let results: Record<string, CaseResult> | undefined;
  const pageErrors: string[] = [];
  let built: Bundle;

  beforeAll(async () => {
    sims = await startSimulators();
    built = await bundle('browser-entry.mjs', 'browser');
    page = await servePage(built.code);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const tab = await browser.newPage();
    tab.on('pageerror', (e) => pageErrors.push(e.message));
    await tab.goto(page.url);
    await tab.waitForFunction(
      () => typeof (globalThis as { runKakehashiCases?: unknown }).runKakehashiCases === 'function',
    );
    results = (await tab.evaluate(
      (config) =>
        (globalThis as unknown as { runKakehashiCases(c: unknown): Promise<unknown> }).runKakehashiCases(config),
      sims.config,
    )) as Record<string, CaseResult>;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (page) await new Promise((resolve) => page!.server.close(resolve));
    await sims?.close();
  });

  it('loads the bundle without a page error (no `process is not defined`)', () => {
    expect(pageErrors).toEqual([]);
  });

  it.each(WEB_CASES)('%s', async (name) => {
    await checkCase(results, name, sims);
  });
});
