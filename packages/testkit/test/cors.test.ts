import { afterEach, describe, expect, it } from 'vitest';
import {
  CODEER_SIM_API_KEY,
  startCodeerSimulator,
  startMiiboSimulator,
  startScriptedServer,
  type ScriptedServer,
} from '../src/index';

// Browsers call the simulators cross-origin (a test page on one loopback port, the simulator on
// another): they send a preflight first and read the answer only with Access-Control-Allow-Origin.
const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c.close();
});

function preflight(url: string, method: string, headers: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://127.0.0.1:1',
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
}

describe('startScriptedServer({ cors: true })', () => {
  it('answers a preflight with 204 for the method and headers asked, without recording it or taking a reply', async () => {
    const server: ScriptedServer = await startScriptedServer({ cors: true });
    closers.push(server);
    server.reply({ status: 201, body: 'first' });
    const res = await preflight(`${server.url}/x`, 'POST', 'content-type,x-api-key');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-api-key');
    expect(server.requests).toHaveLength(0);
    const real = await fetch(`${server.url}/x`, { method: 'POST', body: 'b' });
    expect(real.status).toBe(201);
    expect(await real.text()).toBe('first');
    expect(real.headers.get('access-control-allow-origin')).toBe('*');
    expect(real.headers.get('access-control-expose-headers')).toBe('*');
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a reply’s own CORS headers, and stays off by default', async () => {
    const on = await startScriptedServer({ cors: true });
    const off = await startScriptedServer();
    closers.push(on, off);
    on.reply({ headers: { 'access-control-allow-origin': 'http://app.example' } });
    expect((await fetch(on.url)).headers.get('access-control-allow-origin')).toBe('http://app.example');
    off.reply({ status: 405 });
    const res = await preflight(off.url, 'POST', 'content-type');
    expect(res.status).toBe(405);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(off.requests).toHaveLength(1);
  });

  it('refuses a cors option that is not a boolean', async () => {
    await expect(startScriptedServer({ cors: 'yes' as unknown as boolean })).rejects.toThrow(
      /"cors" must be a boolean/,
    );
  });
});

describe('the Codeer and miibo simulators answer CORS (the SDKs run in browsers)', () => {
  it('codeer: preflight for x-api-key, then the answer readable cross-origin', async () => {
    const sim = await startCodeerSimulator();
    closers.push(sim);
    const res = await preflight(`${sim.url}/chats`, 'POST', 'content-type,x-api-key');
    expect(res.status).toBe(204);
    const agents = await fetch(`${sim.url}/chats/published-agents`, { headers: { 'x-api-key': CODEER_SIM_API_KEY } });
    expect(agents.status).toBe(200);
    expect(agents.headers.get('access-control-allow-origin')).toBe('*');
    expect(sim.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('miibo: preflight for a JSON POST, then the answer readable cross-origin', async () => {
    const sim = await startMiiboSimulator();
    closers.push(sim);
    const res = await preflight(`${sim.url}/api`, 'POST', 'content-type');
    expect(res.status).toBe(204);
    const answer = await fetch(`${sim.url}/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'k', agent_id: 'a', utterance: 'こんにちは', stream: false }),
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(sim.requests).toHaveLength(1);
  });
});
