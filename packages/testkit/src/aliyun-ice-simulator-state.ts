import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { simulatorArtcToken } from './aliyun-artc-token';

/** One AI agent instance as the ICE simulator stores it (PascalCase, as `DescribeAIAgentInstance` answers). */
export interface AliyunIceInstance {
  InstanceId: string;
  AIAgentId: string;
  /** `Executing` or `Finished`. */
  Status: string;
  CallLogUrl?: string;
  RuntimeConfig?: unknown;
  TemplateConfig?: unknown;
  AgentConfig?: unknown;
  UserData?: string;
  SessionId?: string;
  /** UTC ISO time. */
  GmtCreate: string;
  /** UTC ISO time. */
  GmtModified: string;
}

/** The instance every ICE simulator starts with (its data follows the documented examples, with Japanese user data). */
export const ALIYUN_ICE_SIM_INSTANCE_ID = '39f8e0bc005e4f309379701645f4a1b2';
/** The agent the seeded instance belongs to. */
export const ALIYUN_ICE_SIM_AGENT_ID = '19de81b3b3d94abda22a1b2c3d4e5f60';

export function seededInstance(): AliyunIceInstance {
  return {
    InstanceId: ALIYUN_ICE_SIM_INSTANCE_ID,
    AIAgentId: ALIYUN_ICE_SIM_AGENT_ID,
    Status: 'Finished',
    CallLogUrl: 'https://example.com/call_logs/12345',
    RuntimeConfig: {
      VoiceChat: {
        AgentUserId: 'voice_agent_001',
        ChannelId: 'voice_channel_001',
        AuthToken: 'sim_voice_chat_auth_token',
      },
    },
    TemplateConfig: { VoiceChat: { AppId: 'sim_voice_chat_app_id' } },
    AgentConfig: {
      Greeting: 'こんにちは、架け橋のデモです。ご用件をどうぞ。',
      VoiceChat: { AppId: 'sim_voice_chat_app_id' },
    },
    UserData: JSON.stringify({ 名前: '山田太郎', 言語: 'ja' }),
    SessionId: 'sim-session-0001',
    GmtCreate: '2025-01-01T00:00:00Z',
    GmtModified: '2025-01-01T00:05:00Z',
  };
}

/** An Alibaba-style error raised by an action: HTTP status, `Code`, `Message`. */
export class IceActionError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Settings the actions read. */
export interface IceActionContext {
  /** Current time in milliseconds. */
  now(): number;
  /** A fresh deterministic id (32 lower-case hex characters). */
  nextId(): string;
  instances: Map<string, AliyunIceInstance>;
  /** Known agents; `undefined` accepts any. */
  agentIds: ReadonlySet<string> | undefined;
  messageChatAppId: string;
  rtcAppId: string;
  rtcAppKey: string;
}

type Params = Readonly<Record<string, string>>;

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') {
    throw new IceActionError(
      400,
      `Missing${name}`,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    );
  }
  return value;
}

function jsonParam(params: Params, name: string): unknown {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw new IceActionError(400, `InvalidParameter.${name}`, `The parameter "${name}" must be a JSON object string.`);
  }
}

function intParam(params: Params, name: string, fallback: number, min: number, max: number): number {
  const value = params[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new IceActionError(
      400,
      `InvalidParameter.${name}`,
      `The parameter "${name}" must be an integer from ${min} to ${max}.`,
    );
  }
  return n;
}

function agent(ctx: IceActionContext, params: Params): string {
  const id = required(params, 'AIAgentId');
  if (ctx.agentIds && !ctx.agentIds.has(id))
    throw new IceActionError(404, 'AgentNotFound', 'The specified agentId is not found.');
  return id;
}

function instance(ctx: IceActionContext, params: Params): AliyunIceInstance {
  const id = required(params, 'InstanceId');
  const found = ctx.instances.get(id);
  if (!found) throw new IceActionError(404, 'InstanceNotFound', 'The specified instance is not found.');
  return found;
}

/** Records a new executing instance (Start and GenerateAIAgentCall), validating its JSON parameters. */
function addInstance(
  ctx: IceActionContext,
  params: Params,
  id: string,
  aiAgentId: string,
  runtimeConfig: unknown,
): void {
  const now = iso(ctx.now());
  ctx.instances.set(id, {
    InstanceId: id,
    AIAgentId: aiAgentId,
    Status: 'Executing',
    CallLogUrl: `https://example.com/call_logs/${id}`,
    RuntimeConfig: runtimeConfig,
    TemplateConfig: jsonParam(params, 'TemplateConfig'),
    AgentConfig: jsonParam(params, 'AgentConfig'),
    UserData: params.UserData,
    SessionId: params.SessionId,
    GmtCreate: now,
    GmtModified: now,
  });
  jsonParam(params, 'ChatSyncConfig');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hex(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Every action the simulator answers by default, by name. Each returns the body without `RequestId`. */
export const iceActions: Record<string, (ctx: IceActionContext, params: Params) => Record<string, unknown>> = {
  GenerateMessageChatToken(ctx, params) {
    const aiAgentId = agent(ctx, params);
    const userId = required(params, 'UserId');
    if (!/^[A-Za-z0-9_]{1,64}$/.test(userId)) {
      throw new IceActionError(
        400,
        'InvalidParameter.UserId',
        'The parameter "UserId" may hold only letters, digits and "_" (at most 64).',
      );
    }
    const role = params.Role ?? '';
    const expire = intParam(params, 'Expire', 3600, 1, 604_800);
    const timeStamp = Math.floor(ctx.now() / 1000) + expire;
    const nonce = `AK-${ctx.nextId()}`;
    const appId = ctx.messageChatAppId;
    const token = `acet${hex(appId, aiAgentId, userId, nonce, role, timeStamp)}`;
    const appSign = gzipSync(Buffer.from(JSON.stringify({ appId, sign: hex('app-sign', appId) }))).toString('base64');
    return {
      AppId: appId,
      Token: token,
      UserId: userId,
      Nonce: nonce,
      Role: role,
      TimeStamp: timeStamp,
      AppSign: appSign,
    };
  },

  DescribeAIAgentInstance(ctx, params) {
    const { InstanceId: _id, AIAgentId: _agent, ...rest } = instance(ctx, params);
    return { Instance: rest };
  },

  StartAIAgentInstance(ctx, params) {
    const aiAgentId = agent(ctx, params);
    required(params, 'RuntimeConfig');
    const runtimeConfig = jsonParam(params, 'RuntimeConfig');
    const id = ctx.nextId();
    addInstance(ctx, params, id, aiAgentId, runtimeConfig);
    return { InstanceId: id };
  },

  StopAIAgentInstance(ctx, params) {
    const found = instance(ctx, params);
    found.Status = 'Finished';
    found.GmtModified = iso(ctx.now());
    return {};
  },

  UpdateAIAgentInstance(ctx, params) {
    const found = instance(ctx, params);
    const templateConfig = jsonParam(params, 'TemplateConfig');
    const agentConfig = jsonParam(params, 'AgentConfig');
    if (templateConfig !== undefined) found.TemplateConfig = templateConfig;
    if (agentConfig !== undefined) found.AgentConfig = agentConfig;
    if (params.UserData !== undefined) found.UserData = params.UserData;
    found.GmtModified = iso(ctx.now());
    return {};
  },

  GenerateAIAgentCall(ctx, params) {
    const aiAgentId = agent(ctx, params);
    const expire = intParam(params, 'Expire', 3600, 0, 604_800);
    const instanceId = ctx.nextId();
    const channelId = ctx.nextId();
    const agentUserId = ctx.nextId();
    const userId = params.UserId || ctx.nextId();
    const timestamp = Math.floor(ctx.now() / 1000) + expire;
    const { rtcAuthToken } = simulatorArtcToken({
      appId: ctx.rtcAppId,
      appKey: ctx.rtcAppKey,
      channelId,
      userId,
      timestamp,
    });
    addInstance(ctx, params, instanceId, aiAgentId, { VoiceChat: { AgentUserId: agentUserId, ChannelId: channelId } });
    return {
      InstanceId: instanceId,
      ChannelId: channelId,
      UserId: userId,
      AIAgentUserId: agentUserId,
      Token: rtcAuthToken,
    };
  },
};
