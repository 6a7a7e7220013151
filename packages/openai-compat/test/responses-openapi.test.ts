/** The Responses API's OpenAPI description is generated from the schemas the handler validates with. */
import { describe, expect, it } from 'vitest';
import { chatCompletionsOpenApi, responsesOpenApi, responsesRequestSchema, unsupportedParameters } from '../src/index';

type JsonSchema = { properties?: Record<string, JsonSchema>; required?: string[]; [key: string]: unknown };

describe('responsesOpenApi', () => {
  const doc = responsesOpenApi();
  const request = doc.schemas.ResponsesRequest as JsonSchema;

  it('describes every request field, and every refused parameter with what it accepts', () => {
    expect(request.required).toEqual(['model', 'input']);
    expect(Object.keys(request.properties!)).toEqual(Object.keys(responsesRequestSchema.shape));
    for (const rule of unsupportedParameters.filter((r) => r.apis.includes('responses'))) {
      const field = request.properties![rule.field]!;
      expect(field, rule.param).toBeDefined();
      expect(String(field.description), rule.param).toContain('Only');
    }
    expect(JSON.stringify(request.properties!.tools)).toContain('"maxItems":0');
    expect(request).not.toHaveProperty('$schema');
  });

  it('the chat request lists its refused parameters from the same list', () => {
    const chat = chatCompletionsOpenApi().schemas.ChatCompletionsRequest as JsonSchema;
    for (const rule of unsupportedParameters.filter((r) => r.apis.includes('chat')))
      expect(chat.properties, rule.param).toHaveProperty(rule.field);
    expect(JSON.stringify(chat.properties!.n)).toContain('"const":1');
  });

  it('has the two routes under the base path, their references resolved', () => {
    expect(Object.keys(doc.paths)).toEqual(['/v1/responses', '/v1/responses/{response_id}']);
    const refs = JSON.stringify(doc.paths).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) expect(doc.schemas).toHaveProperty(ref.split('/').at(-1)!);
    const other = responsesOpenApi({ basePath: '/api/', tags: ['LLM'], security: [{ bearer: [] }] });
    expect(Object.keys(other.paths)).toEqual(['/api/responses', '/api/responses/{response_id}']);
  });
});
