import { type AgentDirectory, parseAgentModel } from '@kakehashi/platforms';
import { MissingConfigError } from '@kakehashi/sse-core';
import { ChatRequestError } from './chat-completions-errors';

/** What a `model` string names: the platform and, when given, the agent. */
export interface ModelTarget {
  /** The platform's name, lower-cased. */
  platform: string;
  /** The part after the first `/`; `undefined` for a bare platform name (the configured default agent). */
  agentId: string | undefined;
}

/**
 * Finds the platform a model names (`<platform>` or `<platform>/<agentId>`; the platform name is
 * case-insensitive, the agent id kept as given) in the directory, and checks it can be used. Sends
 * nothing.
 *
 * @throws ChatRequestError 404 `model_not_found` for a platform that is not registered or is
 * switched off, 400 for an empty agent id; MissingConfigError (answered as 400
 * `provider_not_configured`) naming the variable a platform lacks.
 */
export async function resolveModel(directory: AgentDirectory, model: string): Promise<ModelTarget> {
  const { platform, agentId } = parseAgentModel(model);
  const names = directory.platforms.names;
  if (!directory.platforms.has(platform)) {
    throw new ChatRequestError(
      `The model '${model}' does not exist: use <platform> or <platform>/<agentId>, the platform being one of ${names.join(', ')} (GET /v1/models lists the configured ones).`,
      { status: 404, param: 'model', code: 'model_not_found' },
    );
  }
  if (agentId === '') {
    throw new ChatRequestError(`Invalid value for 'model': the agent id after "${platform}/" is empty.`, {
      param: 'model',
      code: 'invalid_value',
    });
  }
  const status = await directory.status(platform);
  if (status.state === 'off') {
    throw new ChatRequestError(`The model '${model}' does not exist: ${platform} is switched off on this server.`, {
      status: 404,
      param: 'model',
      code: 'model_not_found',
    });
  }
  if (status.state === 'missing') throw new MissingConfigError(`${platform} credentials`, status.envVar);
  return { platform, agentId };
}
