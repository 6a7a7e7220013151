// What continuing conversations from their history costs per request, in-process, without sockets:
// one continued turn is a lookup (a digest of the history up to the last answer, one store read:
// before the platform is called) plus, once answered, a remember (a digest of the history with the
// answer, one store write: before the answer's last chunk goes out). Both are measured, and the
// lookup alone.
// Measured with @kakehashi/openai-compat's createConversationSessions over
//   memory:       createMemoryConversationStore() (the handler's default)
//   sqlite:       the server's SQLite store on :memory: (what the gateway bench's server uses)
//   sqlite file:  the server's SQLite store on a WAL file in a temporary directory (the default setup)
// against a bare Map get + set (no digest, the floor) and the two SHA-256 digests alone, as Web
// Crypto computes them (the baseline) and as conversationDigest does (node:crypto's synchronous hash
// where the runtime has one), at 1 and 100 requests in flight. The history is a seven-message
// Japanese conversation (about 1 KB of text).
// Knobs: BENCH_ROUNDS=7.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  conversationDigest,
  createConversationSessions,
  createMemoryConversationStore,
} from '@kakehashi/openai-compat';
import { openSqliteConversationStore } from '@kakehashi/server';
import { compare, printTable } from './bench-utils.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'kakehashi-bench-conv-'));
const answer = '東京でおすすめの観光地は浅草寺、東京スカイツリー、明治神宮です。'.repeat(4);
const base = [
  { role: 'system', content: 'あなたは旅行案内のアシスタントです。' },
  { role: 'user', content: '東京でおすすめの観光地を教えてください' },
  { role: 'assistant', content: answer },
  { role: 'user', content: '浅草寺への行き方は?' },
  { role: 'assistant', content: answer },
  { role: 'user', content: '近くで食事をするならどこがいいですか?' },
];

const sqliteMemory = await openSqliteConversationStore({ path: ':memory:' });
const sqliteFile = await openSqliteConversationStore({ path: join(dir, 'kakehashi.sqlite') });
const stores = {
  memory: createMemoryConversationStore({ maxEntries: 1_000_000 }),
  sqlite: sqliteMemory,
  'sqlite file': sqliteFile,
};

// Each request is its own conversation (conversation i), found on lookup: remembered up front.
const TOTAL = 2000;
const conversations = Array.from({ length: TOTAL }, (_, i) => [{ role: 'user', content: `会話 ${i}` }, ...base]);
const prefix = (messages) => messages.slice(0, -1);
const sessions = Object.fromEntries(
  Object.entries(stores).map(([name, store]) => [name, createConversationSessions({ store })]),
);
for (const [name, s] of Object.entries(sessions)) {
  for (let i = 0; i < TOTAL; i++) {
    const history = prefix(conversations[i]);
    await s.remember('agenticstar', history.slice(0, -1), history.at(-1).content, `session-${i}`);
  }
  const found = await s.lookup('agenticstar', conversations[0]);
  if (found !== 'session-0') throw new Error(`${name}: the lookup did not find the conversation`);
}

/** Runs `TOTAL` requests, `inFlight` at a time; each one calls `one(i)`. */
async function run(inFlight, one) {
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < TOTAL) {
      const i = next++;
      await one(i);
      done++;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done;
}

// The digest as Web Crypto computes it (what conversationDigest does where there is no node:crypto).
const encoder = new TextEncoder();
async function webCryptoDigest(messages) {
  const turns = messages.filter((m) => m.role !== 'system').map((m) => [m.role, m.content.trim()]);
  const canonical = JSON.stringify(['kakehashi.conversation.v1', null, 'agenticstar', turns]);
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)));
  return Buffer.from(bytes).toString('hex');
}

const map = new Map();
for (const inFlight of [1, 100]) {
  const contenders = {
    'Map get + set (floor)': () =>
      run(inFlight, async (i) => {
        map.get(`k${i}`);
        map.set(`k${i}`, 's');
      }),
    'two digests, Web Crypto': () =>
      run(inFlight, async (i) => {
        await webCryptoDigest(prefix(conversations[i]));
        await webCryptoDigest([...conversations[i], { role: 'assistant', content: answer }]);
      }),
    'two digests, conversationDigest': () =>
      run(inFlight, async (i) => {
        await conversationDigest('agenticstar', prefix(conversations[i]));
        await conversationDigest('agenticstar', [...conversations[i], { role: 'assistant', content: answer }]);
      }),
  };
  for (const [name, s] of Object.entries(sessions)) {
    contenders[`lookup, ${name}`] = () =>
      run(inFlight, async (i) => {
        if ((await s.lookup('agenticstar', conversations[i])) !== `session-${i}`)
          throw new Error(`${name}: lookup missed`);
      });
  }
  for (const [name, s] of Object.entries(sessions)) {
    contenders[`lookup + remember, ${name}`] = () =>
      run(inFlight, async (i) => {
        const session = await s.lookup('agenticstar', conversations[i]);
        if (session !== `session-${i}`) throw new Error(`${name}: lookup missed`);
        await s.remember('agenticstar', conversations[i], answer, session);
      });
  }
  const rates = await compare(contenders, { rounds, warmup: 2, work: TOTAL });
  printTable(
    `${inFlight} request(s) in flight: continued turns per second`,
    rates,
    'two digests, Web Crypto',
    'turns/s',
  );
  console.log('  µs per continued turn (wall time / turns):');
  for (const [name, rate] of Object.entries(rates)) console.log(`    ${name.padEnd(42)} ${(1e6 / rate).toFixed(1)} µs`);
}

await sqliteMemory.close();
await sqliteFile.close();
rmSync(dir, { recursive: true, force: true });
