import type { PlatformProvision, PlatformRegistry } from '@kakehashi/platforms';
import { ENV_RECORD_REASON, InvalidArgumentError, isEnvRecord, validateArgument } from '@kakehashi/sse-core';
import { z } from 'zod';

/** How many conversations a provider instance remembers for continuing them by their history. */
export const DEFAULT_SESSION_CACHE_SIZE = 1000;

/**
 * Settings of {@link createKakehashi}. Checked at once (unknown keys are refused); the platforms'
 * own settings and credentials are read on the first call of a model that needs them.
 */
export interface KakehashiProviderSettings {
  /**
   * The platforms served, by name (the part of a model name before `/`). Default: every platform
   * kakehashi ships (`agenticstar`, `codeer`, `miibo`), each SDK imported on first use. Pass
   * `defaultPlatforms.with(myPlatform)` from `@kakehashi/platforms` to add one, or a registry of your own.
   */
  platforms?: PlatformRegistry;
  /**
   * Per platform name: the settings of its SDK factory (for example
   * `{ codeer: { apiKey, baseURL, timeouts, maxRetries } }`), a ready `ChatAgent`, or `false` to
   * switch the platform off. A platform left out reads everything from the environment.
   */
  provide?: Readonly<Record<string, PlatformProvision | undefined>>;
  /**
   * Where the platforms read their variables (`CODEER_API_KEY`, `MIIBO_AGENT_ID`, …) instead of
   * `process.env`, for every platform whose `provide` settings carry no `env` of their own. Read on
   * first use, not now.
   */
  env?: Record<string, string | undefined>;
  /**
   * How many finished turns this provider instance remembers so that a history extending one of
   * them continues its platform session by itself. Only SHA-256 digests of the messages are kept,
   * never their text; the least recently used entry goes first. `0` switches it off. Default 1000.
   */
  sessionCacheSize?: number;
}

const registrySchema = z.custom<PlatformRegistry>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as PlatformRegistry).get === 'function' &&
    typeof (v as PlatformRegistry).has === 'function' &&
    Array.isArray((v as PlatformRegistry).names),
  { error: 'must be a platform registry (createPlatformRegistry or defaultPlatforms.with(...))' },
);

const provisionSchema = z.custom<PlatformProvision | undefined>(
  (v) => v === undefined || v === false || (typeof v === 'object' && v !== null && !Array.isArray(v)),
  { error: 'must be the platform’s settings object, a ChatAgent, or false' },
);

const settingsSchema = z.strictObject({
  platforms: registrySchema.optional(),
  provide: z.record(z.string(), provisionSchema).optional(),
  env: z.custom<Record<string, string | undefined>>(isEnvRecord, ENV_RECORD_REASON).optional(),
  sessionCacheSize: z.number().int().nonnegative().optional(),
});

/** The settings after checking, with the registry they name. */
export interface CheckedSettings {
  platforms: PlatformRegistry | undefined;
  provide: Readonly<Record<string, PlatformProvision | undefined>> | undefined;
  env: Record<string, string | undefined> | undefined;
  sessionCacheSize: number;
}

/**
 * Checks the settings; the error names the field (`settings.provide.codeer`) and why.
 * `provide`'s keys are checked against the registry in force (`registryOf` picks it).
 */
export function checkSettings(
  settings: unknown,
  registryOf: (platforms: PlatformRegistry | undefined) => PlatformRegistry,
): CheckedSettings {
  const parsed = validateArgument(settingsSchema, settings ?? {}, 'settings');
  const registry = registryOf(parsed.platforms);
  for (const name of Object.keys(parsed.provide ?? {})) {
    if (!registry.has(name)) {
      throw new InvalidArgumentError(
        `settings.provide.${name}`,
        `"${name}" is not a platform here (${registry.names.join(', ')})`,
      );
    }
  }
  return {
    platforms: parsed.platforms,
    provide: parsed.provide,
    env: parsed.env,
    sessionCacheSize: parsed.sessionCacheSize ?? DEFAULT_SESSION_CACHE_SIZE,
  };
}
