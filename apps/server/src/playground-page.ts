import { createHash } from 'node:crypto';
import { PLAYGROUND_SCRIPT } from './playground-script';

/** The playground's stylesheet: system fonts with Japanese faces first, light and dark schemes. */
const PLAYGROUND_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f5f2; --panel: #ffffff; --ink: #1d1d1f; --muted: #6b6b70; --line: #dedbd4;
  --accent: #b8322a; --accent-ink: #ffffff; --user: #fbeee9; --step: #f1efe9; --ok: #2f7d4f; --bad: #b3261e;
  font-family: "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Noto Sans JP", "Noto Sans CJK JP", "Yu Gothic UI",
    "Yu Gothic", Meiryo, system-ui, -apple-system, "Segoe UI", sans-serif;
  line-height: 1.7;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #17171a; --panel: #222226; --ink: #ececf0; --muted: #a0a0a8; --line: #34343a; --user: #3a2724; --step: #2b2b30; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
header { padding: 14px 20px; border-bottom: 1px solid var(--line); background: var(--panel); display: flex; align-items: baseline; gap: 12px; }
header h1 { margin: 0; font-size: 1.15rem; letter-spacing: .02em; }
header h1 span { color: var(--accent); }
header p { margin: 0; color: var(--muted); font-size: .85rem; }
main { max-width: 920px; margin: 0 auto; padding: 16px 20px 24px; display: grid; gap: 14px; }
.settings { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 10px; padding: 12px; align-items: end; }
label { display: grid; gap: 3px; font-size: .78rem; color: var(--muted); }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea { width: 100%; padding: 7px 9px; border: 1px solid var(--line); border-radius: 7px; background: var(--bg); }
textarea { resize: vertical; min-height: 72px; }
button { border: 1px solid var(--line); background: var(--panel); border-radius: 7px; padding: 7px 14px; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); font-weight: 600; }
button:disabled { opacity: .5; cursor: default; }
#log { display: grid; gap: 10px; min-height: 120px; }
.turn { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.turn.user { background: var(--user); }
.turn.error { border-color: var(--bad); }
.who { font-size: .72rem; color: var(--muted); margin-bottom: 2px; }
.text { white-space: pre-wrap; word-break: break-word; overflow-wrap: anywhere; }
.turn.streaming .text::after { content: "▍"; color: var(--accent); animation: blink 1s steps(1) infinite; }
@keyframes blink { 50% { opacity: 0; } }
.steps { list-style: none; margin: 4px 0 8px; padding: 0; display: grid; gap: 3px; font-size: .8rem; }
.steps:empty { display: none; }
.steps li { background: var(--step); border-radius: 6px; padding: 3px 8px; display: flex; gap: 8px; align-items: baseline; }
.steps .mark { width: 1em; text-align: center; }
.steps .done .mark { color: var(--ok); }
.steps .failed .mark { color: var(--bad); }
.steps .kind { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .75rem; }
.meta, .ids { font-size: .72rem; color: var(--muted); margin-top: 4px; }
.meta:empty, .ids:empty { display: none; }
form { display: grid; gap: 8px; }
.actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.actions .hint { color: var(--muted); font-size: .75rem; margin-left: auto; }
.status { min-height: 1.4em; font-size: .85rem; color: var(--muted); }
.status.error { color: var(--bad); }
`;

const PLAYGROUND_BODY = `
<header>
  <h1><span>架け橋</span> kakehashi playground</h1>
  <p>AI エージェント基盤 / agent platforms — OpenAI 互換 API (/v1/chat/completions)</p>
</header>
<main>
  <section class="settings" aria-label="設定 / settings">
    <label>プラットフォーム / platform<select id="platform"></select></label>
    <label>エージェント / agent<select id="agent"></select></label>
    <label>エージェント ID / agent id<input id="custom-agent" autocomplete="off" placeholder="例: 550e8400-…"></label>
    <label>ユーザー / user<input id="user" autocomplete="off" placeholder="end user id (miibo uid, Codeer user, …)"></label>
    <label>API キー / API key<input id="api-key" type="password" autocomplete="off" placeholder="KAKEHASHI_API_KEYS"></label>
  </section>
  <div id="conversation-ids" class="ids" aria-live="polite"></div>
  <section id="log" aria-live="polite" aria-label="会話 / conversation"></section>
  <form id="composer">
    <label for="message">メッセージ / message</label>
    <textarea id="message" placeholder="メッセージを入力… (Ctrl+Enter で送信)" required></textarea>
    <div class="actions">
      <button id="send" class="primary" type="submit" disabled>送信 / Send</button>
      <button id="stop" type="button" disabled>停止 / Stop</button>
      <button id="new-chat" type="button">新しい会話 / New chat</button>
      <span class="hint">Ctrl+Enter</span>
    </div>
    <div id="status" class="status" role="status"></div>
  </form>
</main>
`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

let page: { html: string; csp: string } | undefined;

function build(): { html: string; csp: string } {
  const html =
    '<!doctype html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<title>kakehashi playground</title>\n<link rel="icon" href="data:,">\n' +
    `<style>${PLAYGROUND_STYLE}</style>\n</head>\n<body>${PLAYGROUND_BODY}<script>${PLAYGROUND_SCRIPT}</script>\n</body>\n</html>\n`;
  // Inline code is allowed by hash only; the page may only talk to its own origin.
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(PLAYGROUND_SCRIPT)}'`,
    `style-src 'sha256-${sha256(PLAYGROUND_STYLE)}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

/**
 * The playground at `/`: one self-contained HTML page (inline CSS and JS, no external assets,
 * Japanese-friendly system fonts). Pick a platform and agent (from `GET /v1/models`), type, and
 * watch the answer stream in with the agent's steps. It uses only the public
 * `/v1/chat/completions` (streaming, parsed in the browser) and an optional API key kept in
 * localStorage. Served with a strict Content-Security-Policy (inline code allowed by hash).
 */
export function playgroundResponse(): Response {
  page ??= build();
  return new Response(page.html, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': page.csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
  });
}
