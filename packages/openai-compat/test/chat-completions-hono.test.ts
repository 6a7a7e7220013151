/**
 * The README's Hono mount on @hono/node-server: streamed answers written straight to Node's response
 * (`c.env`), which @hono/node-server must then leave alone, even though it replaces the global
 * `Response` with its own lightweight one (also when the package is imported after it did).
 */
import type { AddressInfo } from 'node:net';
import { type HttpBindings, serve, type ServerType } from '@hono/node-server';
import { createEchoPlatform, createPlatformRegistry } from '@kakehashi/platforms';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';

const servers: ServerType[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          (s as { closeAllConnections?: () => void }).closeAllConnections?.();
          s.close(() => resolve());
        }),
    ),
  );
});

async function honoServer(app: Hono<{ Bindings: HttpBindings }>): Promise<string> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

async function streamedText(baseURL: string): Promise<string> {
  const openai = new OpenAI({ baseURL, apiKey: 'x', maxRetries: 0 });
  let text = '';
  for await (const chunk of await openai.chat.completions.create({
    model: 'echo',
    stream: true,
    messages: [{ role: 'user', content: 'ほのお' }],
  }))
    text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

describe('mounted in Hono on @hono/node-server', () => {
  it('writes streamed answers to c.env.outgoing, and Hono leaves the response alone', async () => {
    const { createChatCompletionsHandler } = await import('../src/index');
    const handler = createChatCompletionsHandler({ platforms: createPlatformRegistry([createEchoPlatform()]) });
    const app = new Hono<{ Bindings: HttpBindings }>();
    app.post('/v1/chat/completions', (c) => handler.completions(c.req.raw, c.env));
    app.get('/v1/models', (c) => handler.models(c.req.raw));
    const baseURL = await honoServer(app);
    expect(await streamedText(baseURL)).toBe('echo: ほのお');
    const models = (await (await fetch(`${baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['echo']);
  });

  it('also when the package is first imported after @hono/node-server replaced the global Response', async () => {
    const app = new Hono<{ Bindings: HttpBindings }>();
    let handler: { completions: (r: Request, env: HttpBindings) => Promise<Response> } | undefined;
    app.post('/v1/chat/completions', (c) => handler!.completions(c.req.raw, c.env));
    const baseURL = await honoServer(app);
    vi.resetModules();
    const fresh = await import('../src/index');
    handler = fresh.createChatCompletionsHandler({
      platforms: createPlatformRegistry([createEchoPlatform()]),
    }) as never;
    expect(await streamedText(baseURL)).toBe('echo: ほのお');
  });
});
