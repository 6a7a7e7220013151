export {
  createPlatformRegistry,
  type PlatformRegistry,
  type PlatformEntry,
  type LazyPlatform,
} from './platform-registry';
export { defaultPlatforms } from './default-platforms';
export {
  createAgentDirectory,
  type AgentDirectory,
  type AgentDirectoryOptions,
  type DirectoryStatus,
  type DirectoryModel,
  type PlatformProvision,
} from './agent-directory';
export { parseAgentModel, type AgentModel } from './agent-model';
export { createEchoPlatform, type EchoPlatformOptions } from './echo-platform';
