import {
  type AgentPlatformSettings,
  type AgentPlatformStatus,
  type ChatAgent,
  InvalidArgumentError,
} from '@kakehashi/sse-core';
import { defaultPlatforms } from './default-platforms';
import type { PlatformRegistry } from './platform-registry';

/** How one platform is provided: its factory's settings, a ready agent, or `false` to switch it off. */
export type PlatformProvision = AgentPlatformSettings | ChatAgent | false;

/** Options of {@link createAgentDirectory}. */
export interface AgentDirectoryOptions {
  /** The platforms served. Default: {@link defaultPlatforms}. */
  platforms?: PlatformRegistry;
  /** Per platform name: settings, a ready agent, or `false`. Omitted means settings `{}` (all from the environment). */
  provide?: Readonly<Record<string, PlatformProvision | undefined>>;
  /** Where variables are read from for every platform whose settings carry no `env` (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Further agent ids to list per platform in {@link AgentDirectory.models}. */
  extraAgents?: Readonly<Record<string, readonly string[] | undefined>>;
}

/** A platform's state in a directory: switched off, missing a variable, or ready. */
export type DirectoryStatus =
  | { state: 'off' }
  | { state: 'missing'; envVar: string }
  | ({ state: 'ready' } & Omit<Extract<AgentPlatformStatus, { ready: true }>, 'ready'>);

/** One model name a directory serves (`codeer/<agentId>`, or the bare platform name). */
export interface DirectoryModel {
  id: string;
  platform: string;
}

/** The configured agents of every registered platform, each created once, on first use. */
export interface AgentDirectory {
  /** The registry behind it. */
  readonly platforms: PlatformRegistry;
  /** Whether a platform can be used, and if not which variable is missing. Sends nothing. */
  status(name: string): Promise<DirectoryStatus>;
  /**
   * The platform's agent, created on first use.
   *
   * @throws InvalidArgumentError for an unknown platform or bad settings; the platform being off is
   * reported as an InvalidArgumentError on `platform` too.
   */
  agent(name: string): Promise<ChatAgent>;
  /** The model names of every ready platform: the bare name when no agent id is needed, and `name/<agentId>` for known agents. */
  models(): Promise<DirectoryModel[]>;
}

function isAgent(value: PlatformProvision | undefined): value is ChatAgent {
  return typeof value === 'object' && value !== null && typeof (value as ChatAgent).startTurn === 'function';
}

/**
 * Knows which platforms are configured and creates each agent once. The environment is read on every
 * status check, so a variable set later is seen (except by an agent already created).
 */
export function createAgentDirectory(options: AgentDirectoryOptions = {}): AgentDirectory {
  const platforms = options.platforms ?? defaultPlatforms;
  const created = new Map<string, Promise<ChatAgent>>();
  const settingsOf = (name: string): AgentPlatformSettings => {
    const provided = options.provide?.[name];
    const settings = (
      provided === undefined || provided === false || isAgent(provided) ? {} : provided
    ) as AgentPlatformSettings;
    return options.env !== undefined && settings.env === undefined ? { ...settings, env: options.env } : settings;
  };

  const status = async (name: string): Promise<DirectoryStatus> => {
    const provided = options.provide?.[name];
    if (provided === false) return { state: 'off' };
    const platform = await platforms.get(name);
    if (isAgent(provided)) return { state: 'ready', defaultAgentId: undefined, agentOptional: true };
    const s = platform.status(settingsOf(name));
    if (!s.ready) return { state: 'missing', envVar: s.missing };
    return { state: 'ready', defaultAgentId: s.defaultAgentId, agentOptional: s.agentOptional };
  };

  return {
    platforms,
    status,
    agent(name) {
      let pending = created.get(name);
      if (pending === undefined) {
        pending = (async () => {
          const provided = options.provide?.[name];
          const platform = await platforms.get(name);
          if (provided === false) {
            throw new InvalidArgumentError('platform', `"${name}" is switched off here`);
          }
          return isAgent(provided) ? provided : platform.createAgent(settingsOf(name));
        })();
        created.set(name, pending);
        pending.catch(() => created.delete(name));
      }
      return pending;
    },
    async models() {
      const out: DirectoryModel[] = [];
      for (const name of platforms.names) {
        const s = await status(name);
        if (s.state !== 'ready') continue;
        if (s.agentOptional) out.push({ id: name, platform: name });
        const agents = new Set<string>();
        if (s.defaultAgentId !== undefined) agents.add(s.defaultAgentId);
        for (const a of options.extraAgents?.[name] ?? []) agents.add(a);
        for (const a of agents) out.push({ id: `${name}/${a}`, platform: name });
      }
      return out;
    },
  };
}
