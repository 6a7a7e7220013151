// The floor of `kakehashi chat agenticstar <message>` for bench/startup.bench.mjs: the same token
// request and chat request by hand (global fetch, eventsource-parser, JSON.parse), each text delta
// written to stdout as it arrives, then a newline. Same environment variables as the CLI.
import { createParser } from 'eventsource-parser';

const env = process.env;
const token = await fetch(env.AGENTICSTAR_TOKEN_URL, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: env.AGENTICSTAR_CLIENT_ID,
    client_secret: env.AGENTICSTAR_CLIENT_SECRET,
  }),
}).then((r) => r.json());
const res = await fetch(`${env.AGENTICSTAR_BASE_URL.replace(/\/$/, '')}/v1/chat/completions`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    authorization: `Bearer ${token.access_token}`,
  },
  body: JSON.stringify({ model: 'AGENTIC STAR', stream: true, messages: [{ role: 'user', content: process.argv[2] }] }),
});
if (!res.ok) throw new Error(`chat answered ${res.status}`);
const parser = createParser({
  onEvent(e) {
    if (e.data === '[DONE]') return;
    const content = JSON.parse(e.data).choices?.[0]?.delta?.content;
    if (content) process.stdout.write(content);
  },
});
const decoder = new TextDecoder();
for await (const bytes of res.body) parser.feed(decoder.decode(bytes, { stream: true }));
process.stdout.write('\n');
