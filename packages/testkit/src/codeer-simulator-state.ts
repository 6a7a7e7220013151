import { codeerSimUuid, type CodeerSimUsage, type CodeerSimulatorStep } from './codeer-simulator-wire';

/** An agent of the simulated workspace. */
export interface CodeerSimulatorAgent {
  /** Agent UUID. */
  id: string;
  /** Display name. */
  name: string;
  /** Description. Default `''`. */
  description?: string;
  /** Whether it has a published version (only published agents are listed and can answer). Default true. */
  published?: boolean;
}

/** A chat held by the simulator. */
export interface CodeerSimulatorChat {
  id: number;
  name: string;
  agentId: string;
  externalUserId?: string;
  createdAt: string;
  updatedAt: string;
  /** Fields set through `PUT /chats/{id}` other than `name`. */
  extra: Record<string, unknown>;
}

/** A history message held by the simulator. */
export interface CodeerSimulatorMessage {
  id: number;
  chatId: number;
  groupId: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  agentId: string;
  attachedFiles: CodeerSimulatorFile[];
  steps: CodeerSimulatorStep[] | null;
  usage: CodeerSimUsage | null;
}

/** An uploaded file held by the simulator, with what the client sent. */
export interface CodeerSimulatorFile {
  uuid: string;
  originalName: string;
  contentType: string;
  size: number;
  scope: 'persistent' | 'ephemeral';
  fileUrl: string;
  /** The file part's bytes. */
  bytes: Uint8Array;
  /** The raw `data` form field (a JSON string), when sent. */
  dataField?: string;
}

/** Feedback posted to a message. */
export interface CodeerSimulatorFeedback {
  id: number;
  chatId: number;
  messageId: number;
  body: unknown;
}

/** A form submission. */
export interface CodeerSimulatorFormSubmission {
  chatId: number;
  formRequestId: string;
  body: unknown;
}

/** One request of a batch, as received (snake_case, as on the wire). */
export interface CodeerSimulatorBatchRequest {
  custom_id: string;
  message: string;
  agent_id?: string;
  external_user_id?: string;
  name?: string;
  attached_file_uuids?: string[];
  history_id?: number;
}

/** A batch held by the simulator. */
export interface CodeerSimulatorBatch {
  id: string;
  status: 'in_progress' | 'completed' | 'cancelled';
  agentId: string;
  requests: CodeerSimulatorBatchRequest[];
  webhook?: { url: string; events: string[] };
  createdAt: string;
  finishedAt?: string;
  results: Array<Record<string, unknown>>;
}

/** The simulator's in-memory workspace. */
export class CodeerSimulatorState {
  readonly agents: CodeerSimulatorAgent[];
  readonly chats = new Map<number, CodeerSimulatorChat>();
  readonly messages: CodeerSimulatorMessage[] = [];
  readonly files = new Map<string, CodeerSimulatorFile>();
  readonly feedbacks: CodeerSimulatorFeedback[] = [];
  readonly formSubmissions: CodeerSimulatorFormSubmission[] = [];
  readonly batches = new Map<string, CodeerSimulatorBatch>();
  private nextChatId = 1001;
  private nextMessageId = 1;
  private nextUuid = 1;
  private tick = 0;

  constructor(agents: CodeerSimulatorAgent[]) {
    this.agents = agents;
  }

  /** A deterministic UUID. */
  uuid(): string {
    return codeerSimUuid(this.nextUuid++);
  }

  /** A deterministic, increasing timestamp. */
  now(): string {
    return new Date(Date.UTC(2025, 0, 15, 10, 30, 0) + 1000 * this.tick++).toISOString().replace('.000Z', 'Z');
  }

  agent(id: string): CodeerSimulatorAgent | undefined {
    return this.agents.find((a) => a.id === id);
  }

  createChat(name: string, agentId: string, externalUserId: string | undefined): CodeerSimulatorChat {
    const at = this.now();
    const chat: CodeerSimulatorChat = { id: this.nextChatId++, name, agentId, createdAt: at, updatedAt: at, extra: {} };
    if (externalUserId !== undefined) chat.externalUserId = externalUserId;
    this.chats.set(chat.id, chat);
    // Codeer histories start with an empty system message.
    this.addMessage({
      chatId: chat.id,
      groupId: `cvg-${this.uuid()}`,
      role: 'system',
      content: '',
      agentId,
      attachedFiles: [],
      steps: null,
      usage: null,
    });
    return chat;
  }

  addMessage(message: Omit<CodeerSimulatorMessage, 'id'>): CodeerSimulatorMessage {
    const m = { id: this.nextMessageId++, ...message };
    this.messages.push(m);
    const chat = this.chats.get(m.chatId);
    if (chat) chat.updatedAt = this.now();
    return m;
  }

  chatMessages(chatId: number): CodeerSimulatorMessage[] {
    return this.messages.filter((m) => m.chatId === chatId);
  }

  removeMessage(id: number): void {
    const i = this.messages.findIndex((m) => m.id === id);
    if (i !== -1) this.messages.splice(i, 1);
  }
}

/** A chat as the API returns it. */
export function chatJson(chat: CodeerSimulatorChat): Record<string, unknown> {
  return {
    id: chat.id,
    name: chat.name || 'Untitled',
    created_at: chat.createdAt,
    updated_at: chat.updatedAt,
    meta: { conversation_agent_id: chat.agentId, external_user_id: chat.externalUserId ?? null },
    external_user_id: chat.externalUserId ?? null,
    ...chat.extra,
  };
}

/** An attached file as history returns it. */
export function attachedFileJson(file: CodeerSimulatorFile): Record<string, unknown> {
  return {
    id: file.uuid,
    type: file.contentType,
    name: file.originalName,
    url: file.fileUrl,
    scope: file.scope,
    attachment_type: 'file',
  };
}

/** A history message as the API returns it. */
export function messageJson(message: CodeerSimulatorMessage, agents: CodeerSimulatorAgent[]): Record<string, unknown> {
  const agent = agents.find((a) => a.id === message.agentId);
  return {
    id: message.id,
    group_id: message.groupId,
    role: message.role,
    content: message.content,
    meta: {
      agent_profile: message.role === 'assistant' && agent ? { id: agent.id, name: agent.name } : null,
      participant_email: null,
      reasoning_steps: message.steps,
      token_usage: message.usage,
      related_questions: null,
      current_step_index: null,
      response_time_ms: message.role === 'assistant' ? 1200 : null,
    },
    attached_files: message.attachedFiles.map(attachedFileJson),
  };
}

/** An agent as `GET /chats/published-agents` returns it. */
export function agentJson(agent: CodeerSimulatorAgent): Record<string, unknown> {
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description ?? '',
    workspace_id: '00000000-0000-4000-8000-00000000beef',
    publish_state: agent.published === false ? 'private' : 'public',
    agent_type: 'basic',
    llm_model: 'openai/gpt-4o;GPT-4o',
    suggested_questions: ['営業時間を教えてください'],
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
  };
}

/** A batch as the simulator returns it (Codeer does not document the shape). */
export function batchJson(batch: CodeerSimulatorBatch): Record<string, unknown> {
  const completed = batch.results.filter((r) => r.status === 'completed').length;
  const failed = batch.results.filter((r) => r.status === 'failed').length;
  return {
    id: batch.id,
    status: batch.status,
    agent_id: batch.agentId,
    request_counts: { total: batch.requests.length, completed, failed },
    webhook: batch.webhook ?? null,
    created_at: batch.createdAt,
    finished_at: batch.finishedAt ?? null,
  };
}
