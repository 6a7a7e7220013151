/**
 * The playground page driven in real headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core) against the gateway and the platform simulators. Without Chromium the browser
 * tests are skipped with a message, unless CI=true (then they fail).
 */
import { existsSync } from 'node:fs';
import { CODEER_SIM_DEFAULT_ANSWER, agenticStarDefaultAnswer, defaultMiiboAnswer } from '@kakehashi/testkit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playgroundResponse } from '../src/playground-page';
import {
  MIIBO_TEST_AGENT,
  simulatorEnv,
  startGateway,
  startSimulators,
  type Gateway,
  type Simulators,
} from './chat-completions-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const hasChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
if (!hasChromium) {
  const why = `playground browser tests: ${CHROMIUM} not found (install it with: apt-get install -y chromium)`;
  if (inCI) throw new Error(`${why}; CI=true requires it`);
  console.warn(`${why}; skipping`);
}

describe('playground page (no browser)', () => {
  it('is one self-contained HTML page with a strict CSP', async () => {
    const res = playgroundResponse();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await res.text();
    expect(html).toContain('<html lang="ja">');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/i); // no external assets
    expect(html).toContain('/v1/chat/completions');
    expect(html).toContain('/v1/models');
  });
});

describe.skipIf(!hasChromium)('playground in headless Chromium', () => {
  let sims: Simulators;
  let gw: Gateway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    sims = await startSimulators({ codeer: { eventDelayMs: 15 }, miibo: { eventDelayMs: 10 } });
    gw = await startGateway({ env: simulatorEnv(sims), heartbeatMs: 1000 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 860 }, locale: 'ja-JP' });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await sims?.close();
  });

  async function ask(text: string): Promise<string> {
    const answers = page.locator('.turn.assistant');
    const before = await answers.count();
    await page.fill('#message', text);
    await page.click('#send');
    const answer = answers.nth(before);
    await answer.and(page.locator('.complete')).waitFor({ timeout: 15_000 });
    return (await answer.locator('.text').textContent()) ?? '';
  }

  it('lists the platforms and agents from /v1/models', async () => {
    await page.goto(gw.url);
    await page.waitForFunction(() => (document.getElementById('platform') as HTMLSelectElement).options.length === 3);
    const platforms = await page.$$eval('#platform option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(platforms).toEqual(['agenticstar', 'codeer', 'miibo']);
    await page.selectOption('#platform', 'miibo');
    const agents = await page.$$eval('#agent option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(agents).toEqual(['', MIIBO_TEST_AGENT]);
  });

  it('streams an AgenticStar answer with the agent steps, and continues the conversation', async () => {
    await page.selectOption('#platform', 'agenticstar');
    const question = '東京でおすすめの観光地は?';
    expect(await ask(question)).toBe(agenticStarDefaultAnswer(question));
    const steps = await page.locator('.turn.assistant').last().locator('.steps li').allTextContents();
    expect(steps.join('\n')).toContain('情報収集');
    expect(steps.join('\n')).toContain('データ分析');
    expect(await page.locator('.turn.assistant .steps li.done').count()).toBe(2);
    await expect.poll(() => page.textContent('#conversation-ids')).toContain('conversation_id');
    const conversationId = sims.agenticstar.chatRequests.at(-1)!.json<Record<string, unknown>>();
    expect(conversationId.conversationId).toBeUndefined();
    const sent: Array<Record<string, unknown>> = [];
    const onRequest = (r: import('playwright-core').Request) => {
      if (r.url().endsWith('/v1/chat/completions')) sent.push(r.postDataJSON() as Record<string, unknown>);
    };
    page.on('request', onRequest);
    await ask('では京都は?');
    page.off('request', onRequest);
    // The page sends the whole history and no id, as any OpenAI client; the gateway continues the
    // conversation it recognises from that history.
    expect(sent).toHaveLength(1);
    expect(sent[0]!.conversation_id).toBeUndefined();
    expect((sent[0]!.messages as unknown[]).length).toBe(3);
    const second = sims.agenticstar.chatRequests.at(-1)!.json<Record<string, unknown>>();
    expect(second.conversationId).toBe(sims.agenticstar.conversations.at(-1)!.conversationId); // no new one
    expect(second.messages).toEqual([{ role: 'user', content: 'では京都は?' }]);
  });

  it('streams a Codeer answer visibly piece by piece', async () => {
    await page.click('#new-chat');
    await page.selectOption('#platform', 'codeer');
    await page.fill('#message', '営業時間は?');
    await page.click('#send');
    const answer = page.locator('.turn.assistant').last();
    // Seen mid-stream: some text, not all of it yet.
    await page.waitForFunction(
      (full) => {
        const t = document.querySelector('.turn.assistant.streaming .text')?.textContent ?? '';
        return t.length > 0 && t.length < full.length;
      },
      CODEER_SIM_DEFAULT_ANSWER,
      { timeout: 10_000, polling: 5 },
    );
    await answer.and(page.locator('.complete')).waitFor({ timeout: 15_000 });
    expect(await answer.locator('.text').textContent()).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(await answer.locator('.meta').textContent()).toContain('tokens');
  });

  it('miibo with a user id, an API key kept in localStorage; screenshot', async () => {
    await page.click('#new-chat');
    await page.fill('#api-key', 'demo-key-123');
    await page.dispatchEvent('#api-key', 'change');
    await page.waitForFunction(() => (document.getElementById('platform') as HTMLSelectElement).options.length === 3);
    expect(await page.evaluate(() => localStorage.getItem('kakehashi.playground.apiKey'))).toBe('demo-key-123');
    await page.selectOption('#platform', 'miibo');
    await page.fill('#user', 'shop_user_7');
    const question = 'こんにちは、予約できますか?';
    expect(await ask(question)).toBe(
      defaultMiiboAnswer({ utterance: question, uid: 'shop_user_7', agentId: MIIBO_TEST_AGENT, body: {} }),
    );
    const sent = sims.miibo.requests.at(-1)!;
    expect(sent.json<Record<string, unknown>>().uid).toBe('shop_user_7');
    // Show a multi-step answer in the screenshot too.
    await page.selectOption('#platform', 'agenticstar');
    await ask('北海道の旅行プランを作ってください');
    await page.screenshot({ path: '/tmp/playground.png', fullPage: true });
    expect(existsSync('/tmp/playground.png')).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it('shows an OpenAI-style error from the gateway', async () => {
    await page.fill('#custom-agent', 'no-such-agent');
    await page.selectOption('#platform', 'codeer');
    await page.fill('#message', 'hi');
    await page.click('#send');
    await expect.poll(() => page.getAttribute('#status', 'class')).toContain('error');
    expect(await page.textContent('#status')).toMatch(/not found|見つかりません|agent/i);
    await page.fill('#custom-agent', '');
  });
});
