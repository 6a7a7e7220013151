import { type AgentPlatform, InvalidArgumentError } from '@kakehashi/sse-core';

/** A platform known by name and loaded on first use (its SDK is imported only then). */
export interface LazyPlatform {
  /** The platform's name, as its {@link AgentPlatform.name}. */
  readonly name: string;
  /** Imports the SDK and returns its platform. */
  load(): Promise<AgentPlatform>;
}

/** A registry entry: a platform object, or one loaded on first use. */
export type PlatformEntry = AgentPlatform | LazyPlatform;

/** The chat platforms the apps and the doors serve, by name. */
export interface PlatformRegistry {
  /** The registered names, in registration order. */
  readonly names: readonly string[];
  /** Whether `name` (lower-case) is registered. */
  has(name: string): boolean;
  /**
   * The platform, loading its SDK on the first call.
   *
   * @throws InvalidArgumentError for a name that is not registered.
   */
  get(name: string): Promise<AgentPlatform>;
  /** A new registry with these entries added (an entry with a registered name replaces it). */
  with(...entries: PlatformEntry[]): PlatformRegistry;
}

const NAME = /^[a-z][a-z0-9-]*$/;

function isLoaded(entry: PlatformEntry): entry is AgentPlatform {
  return typeof (entry as AgentPlatform).createAgent === 'function';
}

/**
 * Makes a registry from platforms (each chat SDK exports one, for example `codeerPlatform`) or lazy
 * entries. Adding a platform is one entry here: nothing above the registry switches on names.
 *
 * @throws InvalidArgumentError for a name that is not lower-case letters, digits and `-`.
 */
export function createPlatformRegistry(entries: readonly PlatformEntry[]): PlatformRegistry {
  const byName = new Map<string, PlatformEntry>();
  for (const entry of entries) {
    if (!NAME.test(entry.name)) {
      throw new InvalidArgumentError('platforms.name', `"${entry.name}" must be lower-case letters, digits and "-"`);
    }
    byName.set(entry.name, entry);
  }
  const loading = new Map<string, Promise<AgentPlatform>>();
  return {
    names: [...byName.keys()],
    has: (name) => byName.has(name),
    get(name) {
      const entry = byName.get(name);
      if (entry === undefined) {
        const known = [...byName.keys()].join(', ');
        return Promise.reject(new InvalidArgumentError('platform', `"${name}" is not a platform here (${known})`));
      }
      if (isLoaded(entry)) return Promise.resolve(entry);
      let pending = loading.get(name);
      if (pending === undefined) {
        pending = entry.load();
        loading.set(name, pending);
        pending.catch(() => loading.delete(name));
      }
      return pending;
    },
    with: (...more) => createPlatformRegistry([...byName.values(), ...more]),
  };
}
