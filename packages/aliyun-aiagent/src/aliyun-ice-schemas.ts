import { z } from 'zod';
import { jsonParamSchema, regionSchema, signalSchema, timeoutsSchema, maxRetriesSchema } from './aliyun-settings';

/** Inputs of the ICE actions (camelCase; sent as the PascalCase query parameters the API documents). */

const id = z.string().trim().min(1, 'must not be empty');
/** ICE's `UserId` rule for message chat: letters, digits and `_`, at most 64. */
export const MESSAGE_CHAT_USER_ID = /^[A-Za-z0-9_]{1,64}$/;

export const generateMessageChatTokenInputSchema = z.strictObject({
  aiAgentId: id,
  userId: z.string().regex(MESSAGE_CHAT_USER_ID, 'must be 1-64 letters, digits or "_"'),
  role: z.string().optional(),
  expire: z.number().int().positive().max(604_800).optional(),
});

export const describeAIAgentInstanceInputSchema = z.strictObject({ instanceId: id });

export const startAIAgentInstanceInputSchema = z.strictObject({
  aiAgentId: id,
  runtimeConfig: jsonParamSchema,
  agentConfig: jsonParamSchema.optional(),
  templateConfig: jsonParamSchema.optional(),
  userData: z.string().optional(),
  sessionId: z.string().optional(),
  chatSyncConfig: jsonParamSchema.optional(),
});

export const stopAIAgentInstanceInputSchema = z.strictObject({ instanceId: id });

export const updateAIAgentInstanceInputSchema = z.strictObject({
  instanceId: id,
  templateConfig: jsonParamSchema.optional(),
  agentConfig: jsonParamSchema.optional(),
  userData: z.string().optional(),
});

export const generateAIAgentCallInputSchema = z.strictObject({
  aiAgentId: id,
  expire: z.number().int().min(0).max(604_800).optional(),
  userId: z.string().optional(),
  templateConfig: jsonParamSchema.optional(),
  agentConfig: jsonParamSchema.optional(),
  userData: z.string().optional(),
  sessionId: z.string().optional(),
  chatSyncConfig: jsonParamSchema.optional(),
});

export const callActionParamsSchema = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'must be a parameter name such as AIAgentId'),
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.record(z.string(), z.unknown()),
    z.array(z.unknown()),
    z.undefined(),
    z.null(),
  ]),
);

export const iceCallOptionsSchema = z.strictObject({
  region: regionSchema.optional(),
  signal: signalSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
});

/** Responses: tolerant (PascalCase as sent; unknown fields kept). */
const str = z.string().optional();
export const iceBodySchema = z.looseObject({ RequestId: str });
export const messageChatTokenBodySchema = z.looseObject({
  RequestId: str,
  AppId: str,
  Token: str,
  UserId: str,
  Nonce: str,
  Role: str,
  AppSign: str,
  TimeStamp: z.number().optional(),
});
export const instanceBodySchema = z.looseObject({
  RequestId: str,
  Instance: z
    .looseObject({
      CallLogUrl: str,
      RuntimeConfig: z.unknown().optional(),
      TemplateConfig: z.unknown().optional(),
      AgentConfig: z.unknown().optional(),
      Status: str,
      UserData: str,
      SessionId: str,
      GmtCreate: str,
      GmtModified: str,
    })
    .optional(),
});
export const startedBodySchema = z.looseObject({ RequestId: str, InstanceId: str });
export const agentCallBodySchema = z.looseObject({
  RequestId: str,
  InstanceId: str,
  ChannelId: str,
  UserId: str,
  AIAgentUserId: str,
  Token: str,
});
