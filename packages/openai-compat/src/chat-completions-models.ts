import type { DirectoryModel } from '@kakehashi/platforms';

/** One entry of OpenAI's model list. */
export interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  /** The platform. */
  owned_by: string;
}

/** The body of `GET /v1/models`: `{ object: 'list', data: [...] }`, `owned_by` being the platform. */
export function modelList(models: readonly DirectoryModel[], created: number): { object: 'list'; data: OpenAIModel[] } {
  return { object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.platform })) };
}
