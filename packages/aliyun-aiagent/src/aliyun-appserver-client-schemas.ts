import { z } from 'zod';
import { ARTC_ID_PATTERN } from './aliyun-artc-token';
import { MESSAGE_CHAT_USER_ID } from './aliyun-ice-schemas';
import { functionSchema, maxRetriesSchema, regionSchema, signalSchema, timeoutsSchema } from './aliyun-settings';

/** Internal: inputs and responses of the AppServer client. */

const id = z.string().trim().min(1, 'must not be empty');
const artcId = z.string().regex(ARTC_ID_PATTERN, 'must be 1-64 letters, digits, "_" or "-"');

export const rtcAuthTokenInputSchema = z.strictObject({ userId: artcId, channelId: artcId.optional() });

export const messageChatTokenInputSchema = z.strictObject({
  aiAgentId: id,
  userId: z.string().regex(MESSAGE_CHAT_USER_ID, 'must be 1-64 letters, digits or "_"'),
  role: z.string().optional(),
  expire: z.number().int().positive().max(604_800).optional(),
  region: regionSchema.optional(),
});

export const describeInstanceInputSchema = z.strictObject({
  userId: id,
  aiAgentInstanceId: id,
  region: regionSchema.optional(),
});

export const legacyBodySchema = z.record(z.string(), z.unknown());

export const callOptionsSchema = z.strictObject({
  authorization: z
    .string()
    .regex(/^[^\r\n]*$/, 'must not contain line breaks')
    .optional(),
  signal: signalSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
});

export const authorizationSettingSchema = z.union([
  z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks'),
  functionSchema<() => string | Promise<string>>(),
]);

const str = z.string().optional();
const codeSchema = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

/** Any AppServer body: a flat object with an integer `code`. */
export const envelopeSchema = z.looseObject({
  code: codeSchema,
  message: str,
  msg: str,
  error_code: str,
  request_id: str,
});

export const rtcAuthTokenBodySchema = z.looseObject({
  rtc_auth_token: z.string(),
  channel_id: str,
  timestamp: z.number().optional(),
});

export const messageChatTokenBodySchema = z.looseObject({
  message: str,
  request_id: str,
  app_id: str,
  token: str,
  user_id: str,
  nonce: str,
  role: str,
  timestamp: z.number().optional(),
  app_sign: str,
});

export const describeInstanceBodySchema = z.looseObject({
  message: str,
  request_id: str,
  call_log_url: str,
  runtime_config: str,
  template_config: str,
  agent_config: str,
  status: str,
  user_data: str,
});
