/**
 * The bad-input suite: every route the app serves (listed from the Hono app itself, so a new route is
 * walked without touching this file), in both auth modes, with the audit's categories: deep nesting,
 * NUL, lone surrogates, wrong types for each known field, huge values, path tricks, wrong methods and
 * odd content types. Every answer must come (a per-request abort is the hang detector), none may be a
 * 5xx, error answers name the field that was broken, and no secret appears in any body.
 */
import { request as httpRequest } from 'node:http';
import {
  ALIYUN_ICE_SIM_AGENT_ID,
  ALIYUN_ICE_SIM_INSTANCE_ID,
  startAliyunIceSimulator,
  type AliyunIceSimulator,
} from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, type KakehashiServer } from '../src/index';
import { simulatorEnv, startSimulators, type Simulators } from './chat-completions-harness';
import { groupStartBody, startInProcess } from './server-harness';

const API_KEY = 'bad-input-suite-api-key-0001';
const WEBHOOK_SECRET = 'bad-input-suite-webhook-secret-0001';
const ADMIN_KEY = 'bad-input-suite-miibo-admin-key';
const RTC_APP_KEY = 'bad-input-suite-rtc-app-key';
const BODY_LIMIT = 256 * 1024;
/** The hang detector: every request must be answered (headers and body) within this. */
const ANSWER_WITHIN_MS = 10_000;

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /**
   * Over-limit bodies: write only `partial` (nothing when absent) and wait for the answer without ending
   * the request, the way a client behaves once refused (so a refused upload does not race the answer).
   */
  refusedUpload?: { declaredLength?: number; partial?: string };
}
interface Answer {
  status: number;
  text: string;
}

/** One raw HTTP/1.1 request (the path is sent exactly as written), answered in full within ANSWER_WITHIN_MS. */
function send(base: URL, sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: sent.method,
        path: sent.path,
        headers: {
          ...(sent.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(sent.body)) }),
          ...(sent.refusedUpload?.declaredLength === undefined
            ? {}
            : { 'content-length': String(sent.refusedUpload.declaredLength) }),
          ...sent.headers,
        },
        signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) =>
      reject(new Error(`${sent.method} ${sent.path.slice(0, 120)}: no answer (${error.message})`)),
    );
    if (!sent.refusedUpload) req.end(sent.body);
    else if (sent.refusedUpload.partial === undefined) req.flushHeaders();
    else req.write(sent.refusedUpload.partial);
  });
}

interface Route {
  method: string;
  path: string;
}

/** The concrete routes the app serves (method and path; middleware entries left out). */
function routesOf(server: KakehashiServer): Route[] {
  const seen = new Map<string, Route>();
  for (const r of server.app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

/** A path with its parameters filled in. */
const fill = (path: string, value: string) => path.replace(/:[A-Za-z]+/g, value);

let sims: Simulators;
let ice: AliyunIceSimulator;

beforeAll(async () => {
  sims = await startSimulators({ miibo: { adminApiKey: ADMIN_KEY } });
  ice = await startAliyunIceSimulator();
});
afterAll(async () => {
  await sims?.close();
  await ice?.close();
});

function secrets(): string[] {
  return [
    API_KEY,
    WEBHOOK_SECRET,
    ADMIN_KEY,
    RTC_APP_KEY,
    ice.accessKeySecret,
    sims.codeer.apiKey,
    sims.agenticstar.clientSecret,
  ];
}

/** Valid bodies of the known JSON routes (each variant breaks one thing of these); others start from `{}`. */
function validBodies(): Record<string, Record<string, unknown>> {
  return {
    '/v1/chat/completions': { model: `codeer/${sims.codeer.agentId}`, messages: [{ role: 'user', content: 'hi' }] },
    '/v1/responses': { model: `codeer/${sims.codeer.agentId}`, input: 'hi' },
    '/v1/agent-groups': groupStartBody(),
    '/webhooks/miibo/agent-groups': { groupId: 'bad-input-group', status: 'completed', result: { text: 'done' } },
    '/mcp': {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'suite', version: '1' } },
    },
    '/api/v2/aiagent/getRtcAuthToken': { user_id: 'user_1' },
    '/api/v2/aiagent/generateMessageChatToken': { ai_agent_id: ALIYUN_ICE_SIM_AGENT_ID, user_id: 'user_1' },
    '/api/v2/aiagent/describeAIAgentInstance': { user_id: 'user_1', ai_agent_instance_id: ALIYUN_ICE_SIM_INSTANCE_ID },
  };
}

/** The request body fields the OpenAPI document names for a route (beside those of its valid body). */
function documentedFields(path: string): string[] {
  const doc = buildOpenApiDocument() as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
    components?: { schemas?: Record<string, unknown> };
  };
  const op = doc.paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.post;
  let schema = op?.requestBody?.content?.['application/json']?.schema as
    | { $ref?: string; properties?: Record<string, unknown> }
    | undefined;
  if (schema?.$ref) schema = doc.components?.schemas?.[schema.$ref.split('/').at(-1)!] as typeof schema;
  return Object.keys(schema?.properties ?? {});
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 64,
  true,
  false,
  '',
  'x',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  [],
  [null],
  [[]],
  {},
  { '': null },
  { __proto__: { polluted: true } },
];

/** Every body variant for a JSON route: [label, raw body, the field it breaks, if one]. */
function bodyVariants(valid: Record<string, unknown>, fields: string[]): Array<[string, string | Uint8Array, string?]> {
  const out: Array<[string, string | Uint8Array, string?]> = [];
  const json = (v: unknown) => JSON.stringify(v);
  const validText = json(valid);
  out.push(['deep array 5000', deep(5000)]);
  out.push(['deep object 5000', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`]);
  out.push(['deep field 5000', `${validText.slice(0, -1)},"deep":${deep(5000)}}`]);
  out.push(['raw NUL byte', `${validText.slice(0, -1)},"n":"a\u0000b"}`]);
  out.push(['NUL outside JSON', `${validText}\u0000`]);
  out.push(['escaped lone surrogate', `${validText.slice(0, -1)},"s":"\\ud800"}`]);
  out.push([
    'raw surrogate bytes (CESU-8)',
    Buffer.concat([Buffer.from('{"s":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  ]);
  out.push(['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]);
  out.push(['empty', '']);
  out.push(['not JSON', 'model=x&messages=y']);
  out.push(['JSON scalar', '42']);
  out.push(['JSON array', '[{"role":"user"}]']);
  out.push(['huge array within the limit', json({ ...valid, huge: new Array(40_000).fill(0) })]);
  out.push(['big numbers', `${validText.slice(0, -1)},"n1":1e400,"n2":-1e400,"n3":123456789012345678901234567890}`]);
  out.push(['duplicate keys', `${validText.slice(0, -1)},"${Object.keys(valid)[0] ?? 'a'}":{}}`]);
  for (const field of new Set([...Object.keys(valid), ...fields])) {
    for (const value of WRONG_VALUES) out.push([`${field}=${json(value)}`, json({ ...valid, [field]: value }), field]);
    out.push([`${field}=long string`, json({ ...valid, [field]: 'x'.repeat(BODY_LIMIT - 4096) }), field]);
    out.push([`${field}=huge array`, json({ ...valid, [field]: new Array(30_000).fill('x') }), field]);
    // The depth refusal names the limit (the check that enforces it does not track field names).
    out.push([`deep in ${field}`, json({ ...valid, [field]: 'DEEP\u2603' }).replace('"DEEP\u2603"', deep(5000))]);
  }
  return out;
}

/** Runs `tasks` with at most `width` at a time. */
async function inBatches<T>(tasks: Array<() => Promise<T>>, width = 6): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += width)
    results.push(...(await Promise.all(tasks.slice(i, i + width).map((t) => t()))));
  return results;
}

const PATH_TRICKS = [
  '/v1/../healthz',
  '/v1/%2e%2e/healthz',
  '/v1/%2E%2E/%2E%2E/healthz',
  '//v1//chat//completions',
  '///healthz',
  '/v1/chat/completions/',
  '/v1/chat/completions%00',
  '/v1/agent-groups/%00',
  '/v1/agent-groups/a%00b',
  '/v1/agent-groups/%ff%fe',
  '/v1/agent-groups/%ED%A0%80',
  '/v1/agent-groups/%',
  '/v1/agent-groups/%zz',
  '/v1/agent-groups/..%2f..%2fhealthz',
  `/v1/agent-groups/${'g'.repeat(300)}`,
  `/v1/agent-groups/${'%41'.repeat(2000)}`,
  '/v1/agent-groups/x?wait=1e308',
  '/v1/agent-groups/x?wait=-1',
  '/v1/agent-groups/x?wait=NaN',
  '/v1/agent-groups/x?wait=%00',
  '/v1/agent-groups/x?wait=1&wait=2',
  '/v1/responses/%00',
  '/v1/responses/%ED%A0%80',
  `/v1/responses/${'r'.repeat(5000)}`,
  '/api/v2/aiagent/../aiagent/getRtcAuthToken',
  '/api/v2/aiagent/getRtcAuthToken%2f',
  '/api/v2/aiagent//getRtcAuthToken',
  `/${'a/'.repeat(4000)}`,
  '/mcp?x=%00',
  '/%5c%5cevil.example/',
  '/\\\\evil.example\\healthz',
];

for (const mode of ['API keys', 'keyless'] as const) {
  describe(`bad input, ${mode}`, () => {
    let server: KakehashiServer;
    let base: URL;
    const answers: Array<{ what: string; answer: Answer }> = [];
    const auth: Record<string, string> = mode === 'API keys' ? { authorization: `Bearer ${API_KEY}` } : {};

    beforeAll(async () => {
      const started = await startInProcess({
        ...(mode === 'API keys' ? { apiKeys: [API_KEY] } : {}),
        webhookSecret: WEBHOOK_SECRET,
        agentGroupMaxWaitSeconds: 1,
        bodyLimitBytes: BODY_LIMIT,
        env: {
          ...simulatorEnv({ ...sims, ice }),
          ALIYUN_RTC_APP_ID: 'bad-input-rtc-app',
          ALIYUN_RTC_APP_KEY: RTC_APP_KEY,
        },
        appServer: { defaultRegion: 'cn-shanghai' },
      });
      server = started.server;
      base = new URL(started.url);
    });
    afterAll(async () => {
      await server?.close(0);
    });

    async function check(what: string, sent: Sent): Promise<Answer> {
      const answer = await send(base, sent);
      answers.push({ what, answer });
      return answer;
    }

    function expectSound(what: string, answer: Answer): void {
      expect(answer.status, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
      for (const secret of secrets()) expect(answer.text, `${what} leaks a secret`).not.toContain(secret);
    }

    it('walks every route the app serves', () => {
      const routes = routesOf(server).map((r) => `${r.method} ${r.path}`);
      // The known ones are all there (the list comes from the app: new routes join by themselves).
      for (const known of [
        'POST /v1/chat/completions',
        'POST /v1/responses',
        'GET /v1/responses/:id',
        'POST /v1/agent-groups',
        'GET /v1/agent-groups/:groupId',
        'POST /webhooks/miibo/agent-groups',
        'POST /mcp',
        'GET /healthz',
        'POST /api/v2/aiagent/getRtcAuthToken',
      ])
        expect(routes).toContain(known);
    });

    it('JSON routes: nesting, NUL, surrogates, wrong types, huge values → never 5xx, errors name the field', async () => {
      const valid = validBodies();
      const problems: string[] = [];
      const jsonRoutes = routesOf(server).filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
      let sentCount = 0;
      for (const route of jsonRoutes) {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          ...auth,
          ...(route.path === '/webhooks/miibo/agent-groups' ? { 'x-kakehashi-webhook-secret': WEBHOOK_SECRET } : {}),
          ...(route.path === '/mcp' ? { accept: 'application/json, text/event-stream' } : {}),
          ...(route.path.startsWith('/api/v2/aiagent/') ? { authorization: API_KEY } : {}),
        };
        const variants = bodyVariants(valid[route.path] ?? {}, documentedFields(route.path));
        sentCount += variants.length;
        const results = await inBatches(
          variants.map(([label, body, field]) => async () => {
            const what = `${route.method} ${route.path} [${label}]`;
            return {
              what,
              field,
              answer: await check(what, { method: route.method, path: fill(route.path, 'x'), headers, body }),
            };
          }),
        );
        for (const { what, field, answer } of results) {
          const summary = `${what} → ${answer.status} ${answer.text.slice(0, 200)}`;
          if (answer.status >= 500) problems.push(`5xx: ${summary}`);
          for (const secret of secrets()) if (answer.text.includes(secret)) problems.push(`secret: ${summary}`);
          if (label(what).startsWith('deep') && !(answer.status === 400 && answer.text.includes('128')))
            problems.push(`depth limit not named: ${summary}`);
          // A validation error caused by one broken field says which field (OpenAI 400s, JSON-RPC
          // 400s, the AppServer's `{code: 500, msg}`); upstream answers such as "not found" are left alone.
          const invalid =
            (answer.status === 400 || answer.status === 422 || /^\{"code":500,"msg":/.test(answer.text)) &&
            !/Server not initialized/.test(answer.text);
          if (field && invalid && !answer.text.includes(field)) problems.push(`field not named: ${summary}`);
        }
      }
      expect(problems).toEqual([]);
      expect(sentCount).toBeGreaterThan(1000);
    }, 240_000);

    it('over the body limit → 413, declared or chunked', async () => {
      for (const route of routesOf(server).filter((r) => r.method === 'POST')) {
        const headers = { 'content-type': 'application/json', ...auth };
        const big = JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT + 10) });
        const declared = await check(`${route.path} over limit`, {
          method: 'POST',
          path: fill(route.path, 'x'),
          headers,
          refusedUpload: { declaredLength: Buffer.byteLength(big) },
        });
        expectSound(route.path, declared);
        expect(declared.status, `${route.path} over limit`).toBe(413);
        const chunked = await check(`${route.path} chunked over limit`, {
          method: 'POST',
          path: fill(route.path, 'x'),
          headers: { ...headers, 'transfer-encoding': 'chunked' },
          refusedUpload: { partial: big },
        });
        expect(chunked.status, `${route.path} chunked over limit`).toBe(413);
      }
    });

    it('path tricks, wrong methods, odd content types → never 5xx', async () => {
      const tasks: Array<() => Promise<void>> = [];
      for (const path of PATH_TRICKS) {
        for (const method of ['GET', 'POST', 'DELETE']) {
          tasks.push(async () => {
            const what = `${method} ${path.slice(0, 80)}`;
            expectSound(
              what,
              await check(what, {
                method,
                path,
                headers: { 'content-type': 'application/json', ...auth },
                body: method === 'GET' ? undefined : '{}',
              }),
            );
          });
        }
      }
      for (const route of routesOf(server)) {
        for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']) {
          tasks.push(async () => {
            const what = `${method} ${route.path} (served as ${route.method})`;
            const body = ['GET', 'HEAD'].includes(method) ? undefined : JSON.stringify(validBodies()[route.path] ?? {});
            expectSound(
              what,
              await check(what, {
                method,
                path: fill(route.path, 'x'),
                headers: { 'content-type': 'application/json', ...auth },
                body,
              }),
            );
          });
        }
        if (route.method !== 'POST') continue;
        for (const type of [
          undefined,
          'text/plain',
          'text/plain;charset=UTF-8',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'application/jsonx',
          'APPLICATION/JSON',
          ';;;',
          '\u0000',
        ]) {
          tasks.push(async () => {
            const what = `POST ${route.path} content-type ${JSON.stringify(type)}`;
            const headers: Record<string, string> = { ...auth };
            if (type !== undefined) headers['content-type'] = type;
            let answer: Answer;
            try {
              answer = await check(what, {
                method: 'POST',
                path: fill(route.path, 'x'),
                headers,
                body: JSON.stringify(validBodies()[route.path] ?? {}),
              });
            } catch (error) {
              // Node refuses to send a header with a NUL: nothing reached the server.
              if (type === '\u0000' && /Invalid character/.test(String(error))) return;
              throw error;
            }
            expectSound(what, answer);
            if (
              mode === 'keyless' &&
              route.path !== '/webhooks/miibo/agent-groups' &&
              !/^application\/json/i.test(type ?? '')
            )
              expect(answer.status, what).toBe(415);
          });
        }
      }
      await inBatches(tasks);
      expect(tasks.length).toBeGreaterThan(200);
    }, 120_000);
  });
}

function label(what: string): string {
  return /\[(.*)\]$/.exec(what)?.[1] ?? '';
}
