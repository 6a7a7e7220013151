import { InvalidArgumentError, MissingConfigError, registerSecret, runtimeEnv } from '@kakehashi/sse-core';
import { assertNonEmptyString, assertOptionalString, assertOptionsObject, describeType } from './options-validation';

/**
 * Where environment variables are read from: the runtime's own (sse-core's `runtimeEnv()`: `process.env`,
 * or on Deno a view of `Deno.env` where a refused permission reads as unset) unless another record is given.
 */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Options of {@link lazySecret}. Unknown keys are rejected. */
export interface LazySecretOptions {
  /** The value passed explicitly (an option or flag). Wins over the environment when non-empty. */
  value?: string | undefined;
  /** The environment variable to read when `value` is absent, for example `CODEER_API_KEY`. */
  env?: string;
  /** The option's name, used in errors: `apiKey`, `clientSecret`. */
  setting: string;
  /** Read variables from here instead of `process.env` (looked up on use, not on creation). */
  source?: EnvSource;
}

/** Options of {@link readSetting} and {@link lazySetting}. Unknown keys are rejected. */
export interface ReadSettingOptions {
  /** The value passed explicitly. Wins over the environment when non-empty. */
  value?: string | undefined;
  /** The environment variable to read when `value` is absent, for example `CODEER_BASE_URL`. */
  env?: string;
  /** The option's name, used in errors: `baseURL`, `agentId`. */
  setting: string;
  /** Used when neither `value` nor the variable is set. Without it a missing setting throws `MissingConfigError`. */
  default?: string;
  /** `url`: the result must be an absolute http(s) URL (checked, trailing slashes removed). Default `string`. */
  kind?: 'string' | 'url';
  /** Read variables from here instead of `process.env`. */
  source?: EnvSource;
}

const SECRET_KEYS = ['value', 'env', 'setting', 'source'] as const;
const SETTING_KEYS = ['value', 'env', 'setting', 'default', 'kind', 'source'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function validateCommon(options: Record<string, unknown>, where: string): void {
  assertNonEmptyString(options.setting, `${where}.setting`);
  assertOptionalString(options.value, `${where}.value`);
  if (options.env !== undefined) {
    assertNonEmptyString(options.env, `${where}.env`);
    if (!ENV_NAME.test(options.env))
      throw new InvalidArgumentError(`${where}.env`, `"${options.env}" is not a valid environment variable name`);
  }
  if (options.source !== undefined && (typeof options.source !== 'object' || options.source === null)) {
    throw new InvalidArgumentError(`${where}.source`, `must be an object, got ${describeType(options.source)}`);
  }
}

/** The explicit value, else the variable; blank (empty or whitespace) counts as unset. Trimmed. */
function lookup(options: {
  value?: string | undefined;
  env?: string | undefined;
  source?: EnvSource | undefined;
}): string | undefined {
  const explicit = options.value?.trim();
  if (explicit) return explicit;
  if (options.env === undefined) return undefined;
  const fromEnv = (options.source ?? runtimeEnv())[options.env]?.trim();
  return fromEnv || undefined;
}

/**
 * A secret (API key, client secret, AccessKey secret) read lazily: the returned function reads
 * `value`, else the environment variable, on its first call, registers the secret for redaction,
 * and returns the same value from then on. When both are missing or blank it throws
 * `MissingConfigError(setting, env)` naming the variable, and reads again on the next call.
 */
export function lazySecret(options: LazySecretOptions): () => string {
  assertOptionsObject(options, 'lazySecret', SECRET_KEYS);
  validateCommon(options, 'lazySecret');
  if (options.value) registerSecret(options.value.trim());
  let cached: string | undefined;
  return () => {
    if (cached !== undefined) return cached;
    const found = lookup(options);
    if (found === undefined) throw new MissingConfigError(options.setting, options.env);
    registerSecret(found);
    cached = found;
    return found;
  };
}

function checkKind(value: string, options: ReadSettingOptions): string {
  if (options.kind !== 'url') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      options.setting,
      `"${value}"${options.env ? ` (from ${options.env} or the option)` : ''} is not an absolute URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(options.setting, `protocol must be http: or https:, got ${url.protocol}`);
  }
  return value.replace(/\/+$/, '');
}

function validateSetting(options: ReadSettingOptions, where: string): void {
  assertOptionsObject(options, where, SETTING_KEYS);
  validateCommon(options as unknown as Record<string, unknown>, where);
  assertOptionalString(options.default, `${where}.default`);
  if (options.kind !== undefined && options.kind !== 'string' && options.kind !== 'url') {
    throw new InvalidArgumentError(`${where}.kind`, `must be "string" or "url", got ${JSON.stringify(options.kind)}`);
  }
}

function resolveSettingNow(options: ReadSettingOptions): string {
  const found =
    lookup(options) ?? (options.default === undefined || options.default === '' ? undefined : options.default);
  if (found === undefined) throw new MissingConfigError(options.setting, options.env);
  return checkKind(found, options);
}

/**
 * Reads a non-secret setting (base URL, agent id, region) now: `value`, else the environment variable,
 * else `default`. Blank counts as unset; the result is trimmed (and, for `kind: 'url'`, checked and
 * stripped of trailing slashes).
 *
 * @throws MissingConfigError naming the option and the variable when there is no value and no default.
 * @throws InvalidArgumentError naming the setting when `kind: 'url'` and the value is not an http(s) URL.
 */
export function readSetting(options: ReadSettingOptions): string {
  validateSetting(options, 'readSetting');
  return resolveSettingNow(options);
}

/**
 * Like {@link readSetting}, but read on first use: returns a function that resolves the setting on
 * its first successful call and returns the same value afterwards. Suits the lazy options of
 * {@link createClientCredentialsProvider} and sse-core's `baseURL`.
 */
export function lazySetting(options: ReadSettingOptions): () => string {
  validateSetting(options, 'lazySetting');
  let cached: string | undefined;
  return () => (cached ??= resolveSettingNow(options));
}
