/**
 * The simulator's conversations and the cursor-paginated `GET /v1/conversations` list.
 *
 * The public docs give the query (`limit`, `cursor`, `order` = `asc` | `desc`, default `desc`) and the
 * response's `hasMore` and `cursor`, but neither the items array's name nor the conversation fields:
 * the simulator uses `conversations` (configurable) and `{conversationId, title, createdAt, updatedAt,
 * messageCount}`. The cursor is the last item's `createdAt` (ISO-8601, as in the examples).
 */

/** One conversation as the simulator lists it. */
export interface AgenticStarSimulatorConversation {
  conversationId: string;
  title: string;
  /** ISO-8601; unique per conversation (the deterministic clock ticks one second at a time). */
  createdAt: string;
  updatedAt: string;
  messageCount: number;
}

/** A page of the list, before it is wrapped in the response envelope. */
export interface AgenticStarConversationListPage {
  items: AgenticStarSimulatorConversation[];
  hasMore: boolean;
  cursor: string | null;
}

/** Default and maximum of `limit` in the simulator (the real values are not documented). */
export const AGENTICSTAR_SIMULATOR_DEFAULT_LIMIT = 20;
export const AGENTICSTAR_SIMULATOR_MAX_LIMIT = 100;

export class AgenticStarConversationStore {
  readonly #byId = new Map<string, AgenticStarSimulatorConversation>();

  /** Every conversation, oldest first. */
  get all(): AgenticStarSimulatorConversation[] {
    return [...this.#byId.values()];
  }

  get(id: string): AgenticStarSimulatorConversation | undefined {
    return this.#byId.get(id);
  }

  /** Creates a conversation at `at` (epoch ms). */
  create(id: string, title: string, at: number): AgenticStarSimulatorConversation {
    const iso = new Date(at).toISOString();
    const conversation: AgenticStarSimulatorConversation = {
      conversationId: id,
      title,
      createdAt: iso,
      updatedAt: iso,
      messageCount: 0,
    };
    this.#byId.set(id, conversation);
    return conversation;
  }

  /** Records one more exchange in the conversation. */
  touch(id: string, at: number): void {
    const c = this.#byId.get(id);
    if (!c) return;
    c.messageCount += 2;
    c.updatedAt = new Date(at).toISOString();
  }

  /**
   * One page: items strictly after `cursor` in the requested order. Throws a `RangeError` with a
   * message for the 400 reply when a parameter is malformed.
   */
  page(query: URLSearchParams): AgenticStarConversationListPage {
    const order = query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new RangeError('order must be "asc" or "desc"');
    const rawLimit = query.get('limit');
    let limit = AGENTICSTAR_SIMULATOR_DEFAULT_LIMIT;
    if (rawLimit !== null) {
      limit = Number(rawLimit);
      if (!Number.isInteger(limit) || limit < 1 || limit > AGENTICSTAR_SIMULATOR_MAX_LIMIT) {
        throw new RangeError(`limit must be an integer from 1 to ${AGENTICSTAR_SIMULATOR_MAX_LIMIT}`);
      }
    }
    const cursor = query.get('cursor');
    if (cursor !== null && Number.isNaN(Date.parse(cursor))) throw new RangeError('cursor is not valid');
    const sorted = this.all.sort((a, b) =>
      order === 'asc' ? a.createdAt.localeCompare(b.createdAt) : b.createdAt.localeCompare(a.createdAt),
    );
    const after =
      cursor === null ? sorted : sorted.filter((c) => (order === 'asc' ? c.createdAt > cursor : c.createdAt < cursor));
    const items = after.slice(0, limit);
    const hasMore = after.length > items.length;
    return { items, hasMore, cursor: hasMore ? items[items.length - 1]!.createdAt : null };
  }
}
