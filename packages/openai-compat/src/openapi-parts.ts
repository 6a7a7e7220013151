import { z } from 'zod';

/** Options of the OpenAPI generators (`chatCompletionsOpenApi`, `responsesOpenApi`). */
export interface OpenApiPartsOptions {
  /** Where the routes are mounted. Default `/v1`. */
  basePath?: string;
  /** OpenAPI tags of the operations. Default: the API's own (`['Chat']`, `['Responses']`). */
  tags?: string[];
  /** The security requirement of the operations (for example `[{ bearer: [] }]`). Default: the document's. */
  security?: Array<Record<string, string[]>>;
}

/** What an OpenAPI generator returns, to merge into a document. */
export interface OpenApiParts {
  /** The operations, by path: merge into the document's `paths`. */
  paths: Record<string, Record<string, unknown>>;
  /** The schemas they refer to: merge into `components.schemas`. */
  schemas: Record<string, unknown>;
}

/** A zod schema as JSON Schema for `components.schemas` (without `$schema`). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** A reference to `components.schemas.<name>`. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** What every operation of a generator shares: the base path, tags, security, and JSON error answers. */
export function operationParts(options: OpenApiPartsOptions, defaultTag: string) {
  return {
    base: (options.basePath ?? '/v1').replace(/\/+$/, ''),
    tags: options.tags ?? [defaultTag],
    security: options.security ? { security: options.security } : {},
    /** Error answers by status, each an OpenAI error envelope (`components.schemas.Error`). */
    errors: (statuses: Record<number, string>) =>
      Object.fromEntries(
        Object.entries(statuses).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: ref('Error') } } },
        ]),
      ),
  };
}
