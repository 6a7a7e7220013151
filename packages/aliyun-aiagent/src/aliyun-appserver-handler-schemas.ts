import { z } from 'zod';
import { ARTC_ID_PATTERN } from './aliyun-artc-token';
import { MESSAGE_CHAT_USER_ID } from './aliyun-ice-schemas';
import { REGION_PATTERN } from './aliyun-settings';

/** Internal: request bodies the handler accepts (snake_case; unknown fields ignored, as the official sample does). */

const BLANK = 'must not be blank';
/** The longest id or text field passed on to the ICE OpenAPI (its query string has a size limit of its own). */
const MAX_TEXT = 256;
/** Lone surrogates (not encodable in a URL) and control characters (NUL included). */
const UNSENDABLE = /[\p{Cc}\p{Cs}]/u;
const sendable = (schema: z.ZodString) =>
  schema
    .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
    .refine((v) => !UNSENDABLE.test(v), 'must not contain control characters or unpaired surrogates');
const required = () => sendable(z.string({ error: BLANK }).trim().min(1, { error: BLANK, abort: true }));
const optionalText = () =>
  sendable(z.string({ error: 'must be a string' }).trim())
    .optional()
    .nullable();
const region = () =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .regex(REGION_PATTERN, 'must be a region id such as cn-shanghai')
    .optional()
    .nullable()
    .or(z.literal(''));

export const rtcAuthTokenBodySchema = z.looseObject({
  user_id: required().regex(ARTC_ID_PATTERN, 'must be 1-64 letters, digits, "_" or "-"'),
  channel_id: z
    .string({ error: 'must be a string' })
    .trim()
    .refine((v) => v === '' || ARTC_ID_PATTERN.test(v), 'must be 1-64 letters, digits, "_" or "-"')
    .optional()
    .nullable(),
});

export const messageChatTokenBodySchema = z.looseObject({
  ai_agent_id: required(),
  user_id: required().regex(MESSAGE_CHAT_USER_ID, 'must be 1-64 letters, digits or "_"'),
  role: optionalText(),
  expire: z
    .union(
      [
        z.number().int().positive().max(604_800),
        z
          .string()
          .regex(/^\d{1,6}$/)
          .transform(Number),
      ],
      {
        error: 'must be a positive number of seconds',
      },
    )
    .optional()
    .nullable(),
  region: region(),
});

export const describeInstanceBodySchema = z.looseObject({
  user_id: required(),
  ai_agent_instance_id: required(),
  region: region(),
});

/** `field: reason` for each problem, in order. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`);
}
