/**
 * The names of `@kakehashi/platforms`' `defaultPlatforms`, for the help of the default registry:
 * `--help` loads no package at all (a test checks that the two lists agree).
 */
export const DEFAULT_PLATFORM_NAMES: readonly string[] = ['agenticstar', 'codeer', 'miibo'];

/** `kakehashi --help`, listing the registered chat platforms. */
export function mainHelp(platforms: readonly string[]): string {
  return `kakehashi — terminal client for AgenticStar, Codeer, miibo and Alibaba AICall

Usage:
  kakehashi chat <${platforms.join('|')}> [message…] [options]
  kakehashi auth check <${[...platforms, 'aliyun'].join('|')}>
  kakehashi aliyun rtc-token --user <id> [--channel <id>]
  kakehashi aliyun chat-token --user <id> [--agent <id>] [--region <id>]
  kakehashi miibo group start --utterance <text> --member <agentId>:<apiKey> [--wait]
  kakehashi mcp
  kakehashi demo

Run "kakehashi <command> --help" for a command's options and examples.

Configuration comes from flags, then the environment, then a .env file in the current folder
(--env-file <path> for another one). Variables: AGENTICSTAR_CLIENT_ID, AGENTICSTAR_CLIENT_SECRET,
AGENTICSTAR_BASE_URL, AGENTICSTAR_TOKEN_URL, AGENTICSTAR_EDITION, AGENTICSTAR_AGENT_ID, CODEER_API_KEY,
CODEER_BASE_URL, CODEER_AGENT_ID, MIIBO_API_KEY, MIIBO_AGENT_ID, MIIBO_BASE_URL, ALIYUN_RTC_APP_ID,
ALIYUN_RTC_APP_KEY, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIYUN_ICE_ENDPOINT.

Exit status: 0 done, 1 the platform or network failed, 2 bad usage or missing configuration,
130 cancelled with Ctrl-C. Colour only on a terminal, never with NO_COLOR.
`;
}

/** `kakehashi chat --help`, listing the registered chat platforms. */
export function chatHelp(platforms: readonly string[]): string {
  return `kakehashi chat <${platforms.join('|')}> [message…] [options]

Streams the agent's answer to stdout as it arrives and ends it with a newline: stdout holds exactly
the final answer text. Agent steps and tasks appear as dim status lines on stderr. With no message on
a terminal, starts an interactive session that continues the platform's session (Codeer chat,
AgenticStar conversation, miibo uid) across turns; an empty line or Ctrl-D ends it. There, Ctrl-C
cancels the answer in progress and keeps the session; at an empty prompt it ends the session
(exit status 130). A message on stdin works too. In a pipe that closes early (| head -1) the answer
is cancelled and the exit status is 0.

Options:
  --agent <id>          agent id (default: the platform's *_AGENT_ID variable)
  --chat <id>           Codeer chat to continue (without it a chat is created)
  --conversation <id>   AgenticStar conversation to continue
  --uid <uid>           miibo user id (continues miibo's conversation state)
  --session <id>        any platform's session to continue (the three above are its platform names)
  --user <id>           the end user the turn runs for (Codeer external_user_id, miibo uid)
  --json                one AgentEvent per line (JSON) instead of text
  --env-file <path>     read variables from this file instead of ./.env
  -h, --help            this help

Examples:
  kakehashi chat codeer "請求書の締め日はいつですか？"
  kakehashi chat agenticstar --conversation conv_123 "続けてください"
  kakehashi chat miibo --uid user-42 --json "こんにちは" | jq -c 'select(.type=="finish")'
  kakehashi chat codeer > answer.txt "要約してください"   # the file holds the answer only
  kakehashi chat codeer            # interactive
`;
}

/** `kakehashi mcp --help`. */
export const MCP_HELP = `kakehashi mcp

Runs a Model Context Protocol server on stdio, for assistants and IDEs (Claude Desktop, Cursor, VS Code):
one tool per configured chat platform (agenticstar_chat, codeer_chat, miibo_chat) with input
{ message, agent?, session? }. stdout carries the protocol only; logs go to stderr. It stops when
stdin ends. Configuration comes from the environment (or --env-file), as for \`kakehashi chat\`.

Client configuration (mcpServers JSON):
  { "mcpServers": { "kakehashi": { "command": "npx", "args": ["kakehashi", "mcp"],
      "env": { "CODEER_API_KEY": "…", "CODEER_AGENT_ID": "…" } } } }
`;

/** `kakehashi demo --help`. */
export const DEMO_HELP = `kakehashi demo

Starts every platform simulator and the gateway in-process and walks through each platform:
a streamed chat each, an AppServer token and an agent group whose result arrives by webhook.
No credentials, no network.
`;

/** What `auth check` does for each default platform (another platform's check is its own). */
const AUTH_CHECKS: Readonly<Record<string, string>> = {
  agenticstar: 'obtains a token and reads one page of conversations',
  codeer: 'lists published agents',
  miibo: 'starts a conversation (empty utterance) for the configured agent',
};

/** `kakehashi auth --help`, listing the registered chat platforms. */
export function authHelp(platforms: readonly string[]): string {
  const width = Math.max(...platforms.map((name) => name.length), 'aliyun'.length) + 2;
  const line = (name: string, what: string) => `  ${name.padEnd(width)}${what}\n`;
  return `kakehashi auth check <${[...platforms, 'aliyun'].join('|')}>

Proves the configured credentials work with one harmless call, and says which key was used
(masked). Never prints a secret. Each chat platform's check is its own
(AgentPlatform.checkCredentials); a platform without one says so.
${platforms.map((name) => line(name, AUTH_CHECKS[name] ?? 'its platform’s own check')).join('')}${line('aliyun', 'signs an ICE call; a signature or key error fails, "instance not found" passes')}`;
}

/** `kakehashi aliyun --help`. */
export const ALIYUN_HELP = `kakehashi aliyun rtc-token --user <id> [--channel <id>]
kakehashi aliyun chat-token --user <id> --agent <ai-agent-id> [--region <id>]

With ALIYUN_APPSERVER_URL set, asks that AppServer (as the official clients do; the Authorization
comes from KAKEHASHI_API_KEY). Otherwise works as the AppServer itself: the ARTC token is built
locally from ALIYUN_RTC_APP_ID / ALIYUN_RTC_APP_KEY, the chat token comes from ICE with
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET. Prints JSON; never the keys.
`;

/** `kakehashi miibo --help`. */
export const MIIBO_GROUP_HELP = `kakehashi miibo group start --utterance <text> --member <agentId>:<apiKey> [--member …] [options]

Options:
  --uid <uid>              the user the group works for (default kakehashi-cli)
  --group-name <text>      default "kakehashi"; --mission <text>, --description <text> likewise
  --email <address>        send the result by e-mail too (repeatable, at most 5)
  --wait                   show progress until the result arrives, then print it
  --server <url>           the gateway (default KAKEHASHI_SERVER_URL or http://127.0.0.1:8787)

Starts a miibo agent group through a running kakehashi-server (KAKEHASHI_SERVER_URL, default
http://127.0.0.1:8787; KAKEHASHI_API_KEY for its Authorization), which receives the result by
webhook. With --wait, shows progress until the result arrives and prints it.
`;
