import {
  AGENTICSTAR_ENV,
  createAgenticStar,
  type AgenticStarProvider,
  type AgenticStarSettings,
} from '@kakehashi/agenticstar';
import { CODEER_ENV, createCodeer, type CodeerProvider, type CodeerProviderSettings } from '@kakehashi/codeer';
import { MIIBO_ENV, createMiibo, type MiiboProvider, type MiiboSettings } from '@kakehashi/miibo';
import type { ChatPlatform } from './chat-completions-model';

/**
 * How each platform is provided: a ready SDK instance, its settings (the SDK is created on first use
 * and reads the `AGENTICSTAR_*` / `CODEER_*` / `MIIBO_*` variables lazily), or `false` to switch it
 * off. Omitted means settings `{}`: everything from the environment.
 */
export interface ChatCompletionsPlatformOptions {
  agenticstar?: AgenticStarProvider | AgenticStarSettings | false;
  codeer?: CodeerProvider | CodeerProviderSettings | false;
  miibo?: MiiboProvider | MiiboSettings | false;
}

/** The SDK instance of each platform. */
export interface ChatPlatformProviders {
  agenticstar: AgenticStarProvider;
  codeer: CodeerProvider;
  miibo: MiiboProvider;
}

/** One entry of `GET /v1/models`. */
export interface ListedModel {
  id: string;
  platform: ChatPlatform;
}

type Env = Record<string, string | undefined>;

/** A platform's state: `off` (switched off), `missing` (names the variable to set), or `ready`. */
export type PlatformStatus = { state: 'off' } | { state: 'missing'; envVar: string } | { state: 'ready' };

function isInstance(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { streamChat?: unknown }).streamChat === 'function'
  );
}

function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/**
 * Knows which platforms are configured, their default agents, and creates each SDK once, on first
 * use. The environment is read on every check, so a variable set later is picked up (except by an
 * SDK already created).
 */
export class ChatCompletionsPlatforms {
  readonly #options: ChatCompletionsPlatformOptions;
  readonly #env: Env | undefined;
  readonly #extraAgents: Partial<Record<ChatPlatform, readonly string[]>>;
  readonly #created: Partial<ChatPlatformProviders> = {};

  constructor(
    options: ChatCompletionsPlatformOptions,
    env: Env | undefined,
    extraAgents: Partial<Record<ChatPlatform, readonly string[]>> = {},
  ) {
    this.#options = options;
    this.#env = env;
    this.#extraAgents = extraAgents;
  }

  #settings(platform: ChatPlatform): Record<string, unknown> | undefined {
    const option = this.#options[platform];
    if (option === false || isInstance(option)) return undefined;
    return (option ?? {}) as Record<string, unknown>;
  }

  #envOf(settings: Record<string, unknown> | undefined): Env {
    return (settings?.env as Env | undefined) ?? this.#env ?? process.env;
  }

  /** Whether the platform can be used, and if not, which variable is missing. Sends nothing. */
  status(platform: ChatPlatform): PlatformStatus {
    const option = this.#options[platform];
    if (option === false) return { state: 'off' };
    if (isInstance(option)) return { state: 'ready' };
    const s = this.#settings(platform)!;
    const env = this.#envOf(s);
    const need = (value: unknown, envVar: string): PlatformStatus | undefined =>
      (typeof value === 'string' && value !== '') || present(env[envVar]) !== undefined
        ? undefined
        : { state: 'missing', envVar };
    switch (platform) {
      case 'agenticstar':
        if (s.tokenProvider !== undefined) return { state: 'ready' };
        return (
          need(s.clientId, AGENTICSTAR_ENV.clientId) ??
          need(s.clientSecret, AGENTICSTAR_ENV.clientSecret) ?? { state: 'ready' }
        );
      case 'codeer':
        return need(s.apiKey, CODEER_ENV.apiKey) ?? { state: 'ready' };
      case 'miibo':
        return need(s.apiKey, MIIBO_ENV.apiKey) ?? { state: 'ready' };
    }
  }

  /** The default agent from the settings or the environment (`undefined` when unknown, e.g. for an SDK instance). */
  defaultAgentId(platform: ChatPlatform): string | undefined {
    const option = this.#options[platform];
    if (option === false) return undefined;
    if (isInstance(option)) {
      if (platform !== 'agenticstar') return undefined;
      try {
        return (option as AgenticStarProvider).endpoints().agentId;
      } catch {
        return undefined;
      }
    }
    const s = this.#settings(platform)!;
    const envVar =
      platform === 'agenticstar'
        ? AGENTICSTAR_ENV.agentId
        : platform === 'codeer'
          ? CODEER_ENV.agentId
          : MIIBO_ENV.agentId;
    return present(s.agentId as string | undefined) ?? present(this.#envOf(s)[envVar]);
  }

  /** Whether the bare platform name works as a model (a default agent is known, or not needed). */
  #bareUsable(platform: ChatPlatform): boolean {
    if (isInstance(this.#options[platform])) return true;
    if (this.defaultAgentId(platform) !== undefined) return true;
    if (platform !== 'agenticstar') return false;
    const s = this.#settings(platform)!;
    const edition =
      (s.edition as string | undefined) ?? present(this.#envOf(s)[AGENTICSTAR_ENV.edition])?.toLowerCase();
    return edition !== 'marketplace';
  }

  /** The models of every ready platform: the bare name when it works, `platform/<agent>` for the default and extra agents. */
  listModels(): ListedModel[] {
    const out: ListedModel[] = [];
    for (const platform of ['agenticstar', 'codeer', 'miibo'] as const) {
      if (this.status(platform).state !== 'ready') continue;
      if (this.#bareUsable(platform)) out.push({ id: platform, platform });
      const agents = new Set<string>();
      const def = this.defaultAgentId(platform);
      if (def !== undefined) agents.add(def);
      for (const a of this.#extraAgents[platform] ?? []) agents.add(a);
      for (const a of agents) out.push({ id: `${platform}/${a}`, platform });
    }
    return out;
  }

  /**
   * The platform's SDK, created on first use.
   *
   * @throws InvalidArgumentError for bad settings (the SDK checks them).
   */
  provider<P extends ChatPlatform>(platform: P): ChatPlatformProviders[P] {
    const made = this.#created[platform];
    if (made) return made;
    const option = this.#options[platform];
    let created: ChatPlatformProviders[ChatPlatform];
    if (isInstance(option)) created = option as ChatPlatformProviders[P];
    else {
      const s = { ...(this.#settings(platform) ?? {}) };
      const env = this.#env;
      if (platform === 'agenticstar')
        created = createAgenticStar((env && !s.env ? { ...s, env } : s) as AgenticStarSettings);
      else if (platform === 'miibo') created = createMiibo((env && !s.env ? { ...s, env } : s) as MiiboSettings);
      else {
        // The Codeer SDK reads process.env itself; an explicit env record is copied into its settings.
        if (env) {
          s.apiKey ??= present(env[CODEER_ENV.apiKey]);
          s.baseURL ??= present(env[CODEER_ENV.baseURL]);
          s.agentId ??= present(env[CODEER_ENV.agentId]);
          for (const k of ['apiKey', 'baseURL', 'agentId']) if (s[k] === undefined) delete s[k];
        }
        created = createCodeer(s as CodeerProviderSettings);
      }
    }
    (this.#created as Record<string, unknown>)[platform] = created;
    return created as ChatPlatformProviders[P];
  }
}
