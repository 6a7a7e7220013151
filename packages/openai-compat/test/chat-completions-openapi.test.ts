/** The OpenAPI description is generated from the schemas the handler validates with. */
import { describe, expect, it } from 'vitest';
import { chatCompletionsOpenApi, chatCompletionsRequestSchema } from '../src/index';

type JsonSchema = { properties?: Record<string, JsonSchema>; required?: string[]; [key: string]: unknown };

describe('chatCompletionsOpenApi', () => {
  const doc = chatCompletionsOpenApi();
  const request = doc.schemas.ChatCompletionsRequest as JsonSchema;

  it('describes every request field the handler reads, generated from the zod schema', () => {
    expect(request.required).toEqual(['model', 'messages']);
    for (const field of [
      'model',
      'messages',
      'stream',
      'stream_options',
      'user',
      'conversation_id',
      'chat_id',
      'metadata',
      'n',
      'tools',
      'response_format',
    ])
      expect(request.properties, field).toHaveProperty(field);
    expect(Object.keys(request.properties!)).toEqual(Object.keys(chatCompletionsRequestSchema.shape));
    expect(JSON.stringify(request.properties!.n)).toContain('"const":1');
    expect(JSON.stringify(request.properties!.metadata)).toContain('chat_id');
    expect(request).not.toHaveProperty('$schema');
  });

  it('has the two routes under the base path, their responses referring to the schemas given', () => {
    expect(Object.keys(doc.paths)).toEqual(['/v1/chat/completions', '/v1/models']);
    const refs = JSON.stringify(doc.paths).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) expect(doc.schemas).toHaveProperty(ref.split('/').at(-1)!);
    const other = chatCompletionsOpenApi({ basePath: '/api/', tags: ['LLM'], security: [{ bearer: [] }] });
    expect(Object.keys(other.paths)).toEqual(['/api/chat/completions', '/api/models']);
    expect(other.paths['/api/models']!.get).toMatchObject({ tags: ['LLM'], security: [{ bearer: [] }] });
  });
});
