import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { version } from '../package.json';
import { chatToolInputShape, chatToolOutputShape, runChatTool } from './mcp-chat-tool';
import type { ToolPlatformInfo } from './mcp-errors';
import { log } from './mcp-logger';
import { type KakehashiMcpOptions, type ResolvedMcpOptions, resolveMcpOptions } from './mcp-options';
import { chatToolDescription } from './mcp-tool-descriptions';

/** The version of `@kakehashi/mcp`, sent as `serverInfo.version`. */
export const MCP_SERVER_VERSION: string = version;

/** One tool the server offers. */
export interface McpChatToolInfo extends ToolPlatformInfo {
  /** `codeer_chat` */
  tool: string;
  /** Whether a call without `agent` works. */
  agentOptional: boolean;
}

/** A platform whose tool is left out, and why. */
export interface McpSkippedPlatform {
  name: string;
  /** `off` (switched off with `provide: { name: false }`), `missing` (a variable is not set) or `failed` (its SDK did not load). */
  reason: 'off' | 'missing' | 'failed';
  /** The variable to set, for `missing`. */
  envVar?: string;
}

/** The tools a directory offers now: one per ready platform, in registry order. */
export async function listChatTools(
  resolved: ResolvedMcpOptions,
): Promise<{ tools: McpChatToolInfo[]; skipped: McpSkippedPlatform[] }> {
  const { directory } = resolved;
  const tools: McpChatToolInfo[] = [];
  const skipped: McpSkippedPlatform[] = [];
  for (const name of directory.platforms.names) {
    try {
      const status = await directory.status(name);
      if (status.state === 'off') skipped.push({ name, reason: 'off' });
      else if (status.state === 'missing') skipped.push({ name, reason: 'missing', envVar: status.envVar });
      else {
        const platform = await directory.platforms.get(name);
        tools.push({
          tool: `${name}_chat`,
          name,
          title: platform.title,
          envVars: platform.envVars,
          agentOptional: status.agentOptional,
        });
      }
    } catch (error) {
      skipped.push({ name, reason: 'failed' });
      log(resolved.logger, 'warn', { platform: name }, `${name}: its SDK could not be loaded (${String(error)})`);
    }
  }
  return { tools, skipped };
}

const INSTRUCTIONS =
  'kakehashi bridges AI-agent platforms. Each <platform>_chat tool sends one message to an agent on that ' +
  'platform and returns its whole answer. To continue a conversation, pass the `session` from the previous ' +
  "result back with the next message; without it a new conversation starts. Agents keep their platform's " +
  'own instructions and knowledge.';

/** Describes what the server offers, once, on the logger. */
export function announceTools(
  resolved: ResolvedMcpOptions,
  listed: { tools: McpChatToolInfo[]; skipped: McpSkippedPlatform[] },
): void {
  const missing = listed.skipped.filter((s) => s.reason === 'missing');
  if (listed.tools.length === 0) {
    const vars = missing.map((s) => s.envVar).join(', ');
    log(
      resolved.logger,
      'warn',
      {},
      `no chat platform is configured, so no tool is offered${vars ? `: set ${missing.length > 1 ? 'one of ' : ''}${vars}` : ''}`,
    );
    return;
  }
  const notes = missing.map((s) => `${s.name}: set ${s.envVar}`);
  log(
    resolved.logger,
    'info',
    { tools: listed.tools.map((t) => t.tool).join(',') },
    `serving ${listed.tools.map((t) => t.tool).join(', ')}${notes.length ? ` (not offered: ${notes.join('; ')})` : ''}`,
  );
}

/** Builds an MCP server over checked options. Internal to the helpers; {@link createKakehashiMcpServer} is public. */
export async function buildMcpServer(
  resolved: ResolvedMcpOptions,
  listed?: { tools: McpChatToolInfo[]; skipped: McpSkippedPlatform[] },
): Promise<McpServer> {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { tools } = listed ?? (await listChatTools(resolved));
  const server = new McpServer(
    { name: resolved.name, title: 'kakehashi', version: MCP_SERVER_VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  const ctx = {
    directory: resolved.directory,
    logger: resolved.logger,
    progressIntervalMs: resolved.progressIntervalMs,
    callOptions: resolved.callOptions,
  };
  for (const info of tools) {
    server.registerTool(
      info.tool,
      {
        title: `${info.title} chat`,
        description: resolved.descriptions[info.name] ?? chatToolDescription(info),
        inputSchema: chatToolInputShape,
        outputSchema: chatToolOutputShape,
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      },
      (args, extra) => runChatTool(ctx, info, args, extra),
    );
  }
  return server;
}

/**
 * An MCP server with one tool per configured chat platform (`agenticstar_chat`, `codeer_chat`,
 * `miibo_chat`, …): a platform is offered when its status is ready (its credentials are set) and not
 * switched off. The environment is read now: a variable set later needs a new server.
 *
 * Connect it to any transport (`await server.connect(transport)`); {@link serveMcpStdio} and
 * {@link createMcpHttpHandler} do that for stdio and streamable HTTP. Nothing is written to stdout.
 *
 * @throws InvalidArgumentError naming a bad option (`options.<key>`), before anything else happens.
 */
export async function createKakehashiMcpServer(options?: KakehashiMcpOptions): Promise<McpServer> {
  const resolved = resolveMcpOptions(options);
  const listed = await listChatTools(resolved);
  announceTools(resolved, listed);
  return buildMcpServer(resolved, listed);
}

/** Makes MCP servers that share one agent directory (each agent created once): one per HTTP session. */
export type KakehashiMcpServerFactory = () => Promise<McpServer>;

/**
 * A factory of {@link createKakehashiMcpServer}'s servers sharing one agent directory: what a
 * transport that needs a server per session (streamable HTTP) calls. The platforms' status is read
 * for each new server, so a credential set later shows up in the next session; the tool list is
 * logged whenever it changes.
 *
 * @throws InvalidArgumentError naming a bad option (`options.<key>`).
 */
export function createKakehashiMcpServerFactory(options?: KakehashiMcpOptions): KakehashiMcpServerFactory {
  return serverFactory(resolveMcpOptions(options));
}

/** Internal: the factory over checked options. */
export function serverFactory(resolved: ResolvedMcpOptions): KakehashiMcpServerFactory {
  let announced: string | undefined;
  return async () => {
    const listed = await listChatTools(resolved);
    const key = JSON.stringify([listed.tools.map((t) => t.tool), listed.skipped]);
    if (key !== announced) {
      announced = key;
      announceTools(resolved, listed);
    }
    return buildMcpServer(resolved, listed);
  };
}
