import { createPlatformRegistry } from './platform-registry';

/**
 * Every chat platform kakehashi ships, each loaded on first use. Adding a platform is one line here
 * (and one package that implements the agent contract).
 */
export const defaultPlatforms = createPlatformRegistry([
  { name: 'agenticstar', load: async () => (await import('@kakehashi/agenticstar')).agenticStarPlatform },
  { name: 'codeer', load: async () => (await import('@kakehashi/codeer')).codeerPlatform },
  { name: 'miibo', load: async () => (await import('@kakehashi/miibo')).miiboPlatform },
]);
