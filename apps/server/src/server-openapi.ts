/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** The server's public base URL, listed under `servers`. */
  serverUrl?: string;
  /** The package version. */
  version?: string;
}

const errorRef = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ 'application/json': { schema } });
const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description:
          {
            400: 'Invalid request (the `param` names the field)',
            401: 'Missing or wrong API key',
            404: 'Not found',
            413: 'Request body over the limit',
            429: 'Rate limited upstream',
            500: 'Server error (for example missing configuration)',
            502: 'The provider failed',
            504: 'The provider timed out',
          }[s] ?? 'Error',
        content: json(errorRef),
      },
    ]),
  );

const appServerEndpoint = (summary: string, request: unknown, response: unknown) => ({
  post: {
    tags: ['AICall AppServer'],
    summary,
    security: [{ bearer: [] }, { bareKey: [] }],
    requestBody: { required: true, content: json(request) },
    responses: {
      200: {
        description:
          'Flat JSON. `code: 200` on success; business failures also come as HTTP 200 with another `code`, `message`, `error_code`, `request_id`.',
        content: json(response),
      },
      403: { description: 'Missing or refused Authorization (the official clients read it as "login expired")' },
      413: { description: 'Request body over the limit' },
    },
  },
  options: {
    tags: ['AICall AppServer'],
    summary: 'CORS preflight',
    security: [],
    responses: { 204: { description: 'CORS headers, no body' } },
  },
});

/**
 * The OpenAPI 3.1 description of every route the server serves (`GET /openapi.json`), the chat routes
 * included.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions = {}): Record<string, unknown> {
  const agentGroup = {
    type: 'object',
    required: ['groupId', 'status'],
    properties: {
      groupId: { type: 'string' },
      status: { type: 'string', enum: ['started', 'completed', 'error'] },
      result: { description: "The webhook's `result`, exactly as miibo delivered it (completed runs)." },
      error: { type: 'string', description: "The webhook's `error` (failed runs)." },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'kakehashi-server',
      version: options.version ?? '0.0.0',
      description:
        'OpenAI-compatible chat gateway to AgenticStar, Codeer and miibo; Alibaba Cloud AICall AppServer; miibo agent groups with durable results.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [
      { name: 'Chat', description: 'OpenAI Chat Completions compatible' },
      { name: 'Agent groups', description: 'miibo agent groups (asynchronous, results by webhook)' },
      { name: 'AICall AppServer', description: 'Wire-compatible with the official AICall clients' },
      { name: 'Operations' },
    ],
    security: [{ bearer: [] }],
    paths: {
      '/v1/chat/completions': {
        post: {
          tags: ['Chat'],
          summary: 'Create a chat completion (streaming with `stream: true`, as Server-Sent Events)',
          description:
            '`model` is `agenticstar`, `agenticstar/<agentId>`, `codeer/<agentId>` or `miibo/<agentId>`; `user` maps to miibo `uid` / Codeer `external_user_id`.',
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['model', 'messages'],
              properties: {
                model: { type: 'string', examples: ['codeer/agent-id', 'miibo/agent-id', 'agenticstar'] },
                messages: {
                  type: 'array',
                  items: { type: 'object', required: ['role'], properties: { role: { type: 'string' }, content: {} } },
                },
                stream: { type: 'boolean' },
                user: { type: 'string' },
              },
            }),
          },
          responses: {
            200: {
              description:
                'A `chat.completion` object, or with `stream: true` a `text/event-stream` of `chat.completion.chunk` events ending with `data: [DONE]`',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      object: { const: 'chat.completion' },
                      choices: { type: 'array' },
                    },
                  },
                },
                'text/event-stream': { schema: { type: 'string' } },
              },
            },
            ...errorResponses(400, 401, 404, 413, 429, 500, 502, 504),
          },
        },
      },
      '/v1/models': {
        get: {
          tags: ['Chat'],
          summary: 'List the model ids the gateway accepts',
          responses: {
            200: {
              description: 'OpenAI `list` of `model` objects',
              content: json({
                type: 'object',
                properties: {
                  object: { const: 'list' },
                  data: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
                },
              }),
            },
            ...errorResponses(401),
          },
        },
      },
      '/': {
        get: {
          tags: ['Chat'],
          summary: 'Playground page (HTML) that chats through /v1/chat/completions',
          security: [],
          responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
      '/v1/agent-groups': {
        post: {
          tags: ['Agent groups'],
          summary: 'Start a miibo agent group with this server as its result webhook',
          description:
            'The body is the miibo start body (camelCase) without `resultWebhookUrl`, which the server sets.',
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['utterance', 'uid', 'agentIds', 'groupName', 'groupMission', 'groupDescription'],
              properties: {
                utterance: { type: 'string', maxLength: 5000 },
                uid: { type: 'string', description: "The administrator's miibo user id" },
                agentIds: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 5,
                  items: {
                    type: 'object',
                    required: ['agentId', 'apiKey'],
                    properties: { agentId: { type: 'string' }, apiKey: { type: 'string' } },
                  },
                },
                groupName: { type: 'string' },
                groupMission: { type: 'string' },
                groupDescription: { type: 'string' },
                groupPrompt: { type: 'string' },
                webhookHeaders: { type: 'object', additionalProperties: { type: 'string' } },
                sendResultEmail: { type: 'boolean' },
                resultEmails: { type: 'array', items: { type: 'string', format: 'email' }, maxItems: 5 },
                resultEmailTitle: { type: 'string' },
                conclusionOnlyMode: { type: 'boolean' },
                customWebhookBodyTmpl: { type: 'string' },
                customParameters: { type: 'object' },
                isSyncMode: { type: 'boolean' },
              },
            }),
          },
          responses: {
            200: { description: 'Started', content: json(agentGroup) },
            ...errorResponses(400, 401, 413, 429, 500, 502, 504),
          },
        },
      },
      '/v1/agent-groups/{groupId}': {
        get: {
          tags: ['Agent groups'],
          summary: "A run's status and result, optionally waiting for a final status",
          parameters: [
            { name: 'groupId', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'wait',
              in: 'query',
              required: false,
              description: 'Seconds to wait for `completed` or `error` (capped, default 60).',
              schema: { type: 'number', minimum: 0 },
            },
          ],
          responses: { 200: { description: 'The run', content: json(agentGroup) }, ...errorResponses(400, 401, 404) },
        },
      },
      '/webhooks/miibo/agent-groups': {
        post: {
          tags: ['Agent groups'],
          summary: "miibo's result webhook (checks the secret header, and X-HMAC when configured); idempotent",
          security: [{ webhookSecret: [] }],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['groupId', 'status'],
              properties: {
                groupId: { type: 'string' },
                status: { type: 'string' },
                result: { type: 'object' },
                error: { type: 'string' },
                customParameters: { type: 'object' },
              },
            }),
          },
          responses: {
            200: {
              description: 'Received; `stored: false, duplicate: true` for a repeated delivery',
              content: json({
                type: 'object',
                properties: {
                  received: { type: 'boolean' },
                  stored: { type: 'boolean' },
                  duplicate: { type: 'boolean' },
                },
              }),
            },
            ...errorResponses(400, 401, 413),
          },
        },
      },
      '/api/v2/aiagent/getRtcAuthToken': appServerEndpoint(
        'ARTC join token for a user',
        {
          type: 'object',
          required: ['user_id'],
          properties: { user_id: { type: 'string' }, channel_id: { type: 'string' } },
        },
        {
          type: 'object',
          properties: {
            code: { type: 'integer' },
            rtc_auth_token: { type: 'string' },
            channel_id: { type: 'string' },
            timestamp: { type: 'integer' },
          },
        },
      ),
      '/api/v2/aiagent/generateMessageChatToken': appServerEndpoint(
        'Message chat (IM) token, from ICE GenerateMessageChatToken',
        {
          type: 'object',
          required: ['ai_agent_id', 'user_id'],
          properties: {
            ai_agent_id: { type: 'string' },
            user_id: { type: 'string' },
            role: { type: 'string' },
            expire: { type: 'integer' },
            region: { type: 'string' },
          },
        },
        {
          type: 'object',
          properties: {
            code: { type: 'integer' },
            app_id: { type: 'string' },
            token: { type: 'string' },
            user_id: { type: 'string' },
            nonce: { type: 'string' },
            role: { type: 'string' },
            timestamp: { type: 'integer' },
            app_sign: { type: 'string' },
            request_id: { type: 'string' },
          },
        },
      ),
      '/api/v2/aiagent/describeAIAgentInstance': appServerEndpoint(
        'An agent instance, from ICE DescribeAIAgentInstance (configs as JSON strings)',
        {
          type: 'object',
          required: ['user_id', 'ai_agent_instance_id'],
          properties: {
            user_id: { type: 'string' },
            ai_agent_instance_id: { type: 'string' },
            region: { type: 'string' },
          },
        },
        {
          type: 'object',
          properties: {
            code: { type: 'integer' },
            request_id: { type: 'string' },
            call_log_url: { type: 'string' },
            runtime_config: { type: 'string' },
            template_config: { type: 'string' },
            agent_config: { type: 'string' },
            status: { type: 'string' },
            user_data: { type: 'string' },
          },
        },
      ),
      '/healthz': {
        get: {
          tags: ['Operations'],
          summary: 'Liveness (503 while shutting down)',
          security: [],
          responses: {
            200: { description: 'Serving', content: json({ type: 'object', properties: { status: { const: 'ok' } } }) },
            503: { description: 'Shutting down' },
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['Operations'],
          summary: 'Prometheus metrics',
          security: [],
          responses: {
            200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['Operations'],
          summary: 'This document',
          security: [],
          responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'One of KAKEHASHI_API_KEYS (not checked when none are configured)',
        },
        bareKey: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AppServer only: the bare key, as the official clients send it',
        },
        webhookSecret: { type: 'apiKey', in: 'header', name: 'X-Kakehashi-Webhook-Secret' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['message', 'type'],
              properties: {
                message: { type: 'string' },
                type: { type: 'string' },
                param: { type: ['string', 'null'] },
                code: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
    },
  };
}
