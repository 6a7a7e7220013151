/** The `api_key` a miibo simulator started without `apiKey` reports (it accepts any non-empty key then). */
export const MIIBO_SIM_API_KEY = 'sim-miibo-api-key-0001';
/** The `agent_id` a miibo simulator started without `agentId` reports (it accepts any non-empty id then). */
export const MIIBO_SIM_AGENT_ID = 'sim-miibo-agent';
/** The admin key a miibo simulator started without `adminApiKey` reports (it accepts any non-empty key then). */
export const MIIBO_SIM_ADMIN_API_KEY = 'sim-miibo-admin-key-0001';

/** What the miibo simulator knows about one conversation turn when it composes an answer. */
export interface MiiboSimulatorTurn {
  /** The user's utterance (`''` for a conversation start). */
  utterance: string;
  /** `uid`, when sent. */
  uid: string | undefined;
  /** `agent_id`. */
  agentId: string;
  /** The whole request body as received. */
  body: Record<string, unknown>;
}

/** What the miibo simulator knows about one agent group run. */
export interface MiiboSimulatorGroupRun {
  /** The id it handed out (`group-1`, `group-2`, …). */
  groupId: string;
  /** The start request body as received. */
  body: Record<string, unknown>;
}

/**
 * Behaviour knobs: how the agent answers. Give them at start or change them later with
 * `simulator.configure({...})`. The fault knobs (`fail`, `rateLimit`, `stall`, `cut`, …) are methods.
 */
export interface MiiboSimulatorKnobs {
  /** The agent's "use stream" setting. `false`: answer one plain JSON body even to `stream: true`. Default true. */
  streaming?: boolean;
  /** Prefix every streamed object with `data: ` (and end it with a blank line), served as `text/event-stream`. */
  dataPrefix?: boolean;
  /** Put this many objects in one write (several objects in one network chunk). Default 1. */
  objectsPerWrite?: number;
  /** Stream a draft (`検索しています…`, `is_searching: true`) first, which the answer then rewrites. */
  rewrite?: boolean;
  /** End the stream properly but without its final whole-response object. */
  endWithoutFinal?: boolean;
  /** Mark the final object `isError: true` (a 200 carrying a failure, as miibo can). */
  isError?: boolean;
  /** Pause before every streamed write after the first (a write holds `objectsPerWrite` objects), in ms. Default 0. */
  eventDelayMs?: number;
  /** @deprecated Renamed `eventDelayMs`. */
  writeDelayMs?: number;
  /** Delay before an agent group result is POSTed to its webhook, ms. Default 10. */
  webhookDelayMs?: number;
  /** How agent group runs end: `completed` (default) or `error`. */
  groupOutcome?: 'completed' | 'error';
}

/** Options of `startMiiboSimulator`. */
export interface MiiboSimulatorOptions extends MiiboSimulatorKnobs {
  /** Loopback host to bind. Default `127.0.0.1`. */
  host?: string;
  /** The `api_key` the agent accepts. Default: any non-empty key. */
  apiKey?: string;
  /** The `agent_id` that exists. Default: any non-empty id. */
  agentId?: string;
  /** The admin key `/agent-groups/start` accepts in `X-API-Key`. Default: any non-empty key. */
  adminApiKey?: string;
  /** The agent's answer (whole text). Default: a fixed Japanese sentence quoting the utterance. */
  answer?: string | ((turn: MiiboSimulatorTurn) => string);
  /** The answer to an empty utterance (conversation start). */
  greeting?: string;
  /**
   * The streamed snapshots (whole text so far, in order); the last one is the final answer. Lets a
   * test script rewrites exactly. Default: the answer cut into growing prefixes.
   */
  snapshots?: string[] | ((turn: MiiboSimulatorTurn) => string[]);
  /** Characters added per streamed snapshot of the default answer. Default 4. */
  snapshotChars?: number;
  /** When set, webhook deliveries carry `X-HMAC`: hex HMAC-SHA256 of the body with this secret. */
  webhookSigningSecret?: string;
  /** The agent group's final answer. Default: a fixed Japanese sentence. */
  groupAnswer?: string | ((run: MiiboSimulatorGroupRun) => string);
}

/** One agent group result POSTed to a `resultWebhookUrl`. */
export interface MiiboWebhookDelivery {
  /** The run it reports. */
  groupId: string;
  /** Where it was sent. */
  url: string;
  /** The headers sent (lower-cased names). */
  headers: Record<string, string>;
  /** The exact body sent. */
  body: string;
  /** The receiver's status, once answered. */
  status?: number;
  /** Why the delivery failed (connection refused, not loopback, …). */
  error?: string;
}

/** The default answer of a conversation turn. */
export function defaultMiiboAnswer(turn: MiiboSimulatorTurn): string {
  return `「${turn.utterance}」ですね。かしこまりました。架け橋のmiiboシミュレーターがお答えします。本日もよろしくお願いいたします。`;
}

/** The default greeting (answer to the empty start utterance). */
export const DEFAULT_MIIBO_GREETING = 'こんにちは!miiboシミュレーターです。ご用件をどうぞ。';

/** The draft streamed first by the `rewrite` knob. */
export const MIIBO_REWRITE_DRAFT = '検索しています…';
