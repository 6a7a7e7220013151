/** What a model name (`codeer/<agentId>`, `agenticstar`) names. */
export interface AgentModel {
  /** The platform name, lower-cased. */
  platform: string;
  /** The part after the first `/`, trimmed; `undefined` for a bare platform name (the configured default agent). */
  agentId: string | undefined;
}

/**
 * Splits a model name into platform and agent id, the way every door names models
 * (`agenticstar`, `agenticstar/<agentId>`, `codeer/<agentId>`, `miibo/<agentId>`). Whether the
 * platform exists is the caller's check (`registry.has`); an empty agent id after the slash is `''`.
 */
export function parseAgentModel(model: string): AgentModel {
  const slash = model.indexOf('/');
  const platform = (slash === -1 ? model : model.slice(0, slash)).trim().toLowerCase();
  return { platform, agentId: slash === -1 ? undefined : model.slice(slash + 1).trim() };
}
