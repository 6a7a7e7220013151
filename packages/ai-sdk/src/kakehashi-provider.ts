import { type LanguageModelV4, NoSuchModelError, type ProviderV4 } from '@ai-sdk/provider';
import { createAgentDirectory, defaultPlatforms, parseAgentModel } from '@kakehashi/platforms';
import { KakehashiLanguageModel } from './kakehashi-language-model';
import { SessionCache } from './kakehashi-session-cache';
import { checkSettings, type KakehashiProviderSettings } from './kakehashi-settings';

/**
 * Model names, as the gateway names them: `agenticstar`, `agenticstar/<agentId>`, `codeer/<agentId>`,
 * `miibo/<agentId>` (and `<name>` / `<name>/<agentId>` for any platform registered in `settings.platforms`).
 */
export type KakehashiModelId =
  | 'agenticstar'
  | `agenticstar/${string}`
  | `codeer/${string}`
  | `miibo/${string}`
  | (string & {});

/** An AI SDK provider of kakehashi's chat platforms. Call it with a model name. */
export interface KakehashiProvider extends ProviderV4 {
  /** The language model of a model name, for example `kakehashi('codeer/<agentId>')`. */
  (modelId: KakehashiModelId): LanguageModelV4;
  /** The same as calling the provider. */
  languageModel(modelId: KakehashiModelId): LanguageModelV4;
  /** Not offered: the platforms are chat agents. Throws `NoSuchModelError`. */
  embeddingModel(modelId: string): never;
  /** Not offered: the platforms are chat agents. Throws `NoSuchModelError`. */
  imageModel(modelId: string): never;
}

/**
 * Makes an AI SDK provider whose models call the chat platforms directly, through the agent
 * contract (no gateway in between). Nothing is read or sent now: each platform's SDK is imported and
 * its credentials are read on the first call of one of its models.
 *
 * One provider instance keeps one memory of finished conversations (digests only), so a history that
 * extends an earlier answer of the same instance continues its platform session by itself.
 *
 * @throws InvalidArgumentError (from `@kakehashi/sse-core`) naming a bad setting, for example
 * `settings.provide.codeor`.
 */
export function createKakehashi(settings: KakehashiProviderSettings = {}): KakehashiProvider {
  const checked = checkSettings(settings, (platforms) => platforms ?? defaultPlatforms);
  const directory = createAgentDirectory({
    ...(checked.platforms ? { platforms: checked.platforms } : {}),
    ...(checked.provide ? { provide: checked.provide } : {}),
    ...(checked.env ? { env: checked.env } : {}),
  });
  const sessions = new SessionCache(checked.sessionCacheSize);

  const languageModel = (modelId: KakehashiModelId): LanguageModelV4 => {
    if (typeof modelId !== 'string') {
      throw new NoSuchModelError({
        modelId: String(modelId),
        modelType: 'languageModel',
        message: 'A model name must be a string',
      });
    }
    const { platform, agentId } = parseAgentModel(modelId);
    if (!directory.platforms.has(platform)) {
      throw new NoSuchModelError({
        modelId,
        modelType: 'languageModel',
        message: `No such model "${modelId}": "${platform}" is not a platform here (${directory.platforms.names.join(', ')}); names look like "codeer/<agentId>"`,
      });
    }
    if (agentId === '') {
      throw new NoSuchModelError({
        modelId,
        modelType: 'languageModel',
        message: `No such model "${modelId}": the agent id after "/" is empty (use "${platform}" for the configured default agent)`,
      });
    }
    return new KakehashiLanguageModel(modelId, { platform, agentId, directory, sessions });
  };

  const unsupported = (modelType: 'embeddingModel' | 'imageModel') => (modelId: string) => {
    throw new NoSuchModelError({
      modelId,
      modelType,
      message: `kakehashi offers chat agents only: there is no ${modelType} "${modelId}"`,
    });
  };

  const provider = (modelId: KakehashiModelId) => languageModel(modelId);
  provider.specificationVersion = 'v4' as const;
  provider.languageModel = languageModel;
  provider.embeddingModel = unsupported('embeddingModel');
  provider.imageModel = unsupported('imageModel');
  return provider as KakehashiProvider;
}

/**
 * The default provider: every platform kakehashi ships, configured from `process.env`
 * (`CODEER_API_KEY`, `MIIBO_API_KEY`, `AGENTICSTAR_CLIENT_ID`, …), read on first use.
 */
export const kakehashi: KakehashiProvider = createKakehashi();
