import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4ResponseMetadata,
  LanguageModelV4StreamResult,
  LanguageModelV4Text,
  LanguageModelV4Usage,
  SharedV4ProviderMetadata,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { AgentDirectory } from '@kakehashi/platforms';
import type { AgentEvent, AgentMessage, AgentTurn } from '@kakehashi/sse-core';
import { agentCallOptions, kakehashiCallOptions, unsupportedSettings } from './kakehashi-call-options';
import { toCallError } from './kakehashi-errors';
import { toAgentMessages } from './kakehashi-prompt';
import { isAbort, partStream } from './kakehashi-part-stream';
import { isReplacingText } from './kakehashi-replaced-text';
import { continuedHistory, conversationDigest, type SessionCache } from './kakehashi-session-cache';
import { AgentPartMapper, type PartMapperOptions } from './kakehashi-stream-parts';

/** What a model is wired to: its platform and agent, the provider's directory and session memory. */
export interface KakehashiModelConfig {
  /** The platform name (`codeer`). */
  platform: string;
  /** The agent id after the `/` of the model name; `undefined` for the platform's configured default. */
  agentId: string | undefined;
  /** The provider instance's agents, each created on first use. */
  directory: AgentDirectory;
  /** The provider instance's memory of finished conversations (digests → sessions). */
  sessions: SessionCache;
}

interface PreparedTurn {
  turn: AgentTurn;
  warnings: SharedV4Warning[];
  mapperOptions: PartMapperOptions;
  /** Remembers the finished conversation (the prompt plus this answer) under its digest. */
  remember(answer: string): Promise<void>;
}

/**
 * An AI SDK language model (specification v4) over one agent of one chat platform, speaking the
 * agent contract: `generateText`, `streamText`, `useChat` through `toUIMessageStreamResponse()`.
 * Made by {@link createKakehashi}; the platform's agent is created on the first call.
 */
export class KakehashiLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4' as const;
  /** `kakehashi.<platform>`. */
  readonly provider: string;
  /** The model name, as given (`codeer/<agentId>`, `agenticstar`). */
  readonly modelId: string;
  /** The platforms take no URLs (no files at all). */
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #config: KakehashiModelConfig;

  constructor(modelId: string, config: KakehashiModelConfig) {
    this.modelId = modelId;
    this.provider = `kakehashi.${config.platform}`;
    this.#config = config;
  }

  async #prepare(options: LanguageModelV4CallOptions): Promise<PreparedTurn> {
    const { platform, agentId, directory, sessions } = this.#config;
    const own = kakehashiCallOptions(options);
    const messages = toAgentMessages(options.prompt, platform);
    const warnings = unsupportedSettings(options, platform);
    const agent = await directory.agent(platform);

    let session = own.session;
    if (session === undefined && sessions.enabled) {
      const history = continuedHistory(messages);
      if (history !== undefined) session = sessions.get(await conversationDigest(this.modelId, history));
    }
    const turn = agent.startTurn(
      {
        messages,
        ...(session !== undefined ? { session } : {}),
        ...(agentId !== undefined ? { agentId } : {}),
        ...(own.userId !== undefined ? { userId: own.userId } : {}),
      },
      agentCallOptions(options, own),
    );
    const modelId = this.modelId;
    return {
      turn,
      warnings,
      mapperOptions: {
        platform,
        modelId,
        includeRaw: options.includeRawChunks === true,
        session: () => turn.session(),
      },
      async remember(answer) {
        const continuing = turn.session();
        if (!sessions.enabled || continuing === undefined) return;
        const conversation: AgentMessage[] = [...messages, { role: 'assistant', content: answer }];
        sessions.set(await conversationDigest(modelId, conversation), continuing);
      },
    };
  }

  /**
   * Streams the answer. Resolves once the platform has answered (a refusal such as a 401 rejects
   * here, as an `APICallError`); the stream then carries text, steps and the finish. Aborting the
   * call's `abortSignal`, or cancelling the stream, cancels the turn at once.
   */
  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const prepared = await this.#prepare(options);
    const { turn } = prepared;
    // In batches: a pull of the stream then enqueues all parts of one network read at once.
    const batches = turn.batches();
    let pending: readonly AgentEvent[] | undefined;
    try {
      const first = await batches.next();
      pending = first.done ? undefined : first.value;
    } catch (error) {
      turn.cancel();
      throw toCallError(error);
    }

    return {
      stream: partStream({
        turn,
        batches,
        first: pending,
        warnings: prepared.warnings,
        mapperOptions: prepared.mapperOptions,
        remember: prepared.remember,
      }),
    };
  }

  /**
   * Reads the whole answer. The content is what the stream would show, in order (agent steps as
   * provider-executed tool calls and results, text), except that text a rewrite superseded is left
   * out: nobody saw it. A refusal rejects with an `APICallError`; an in-stream error or a cut
   * stream rejects with the `AgentStreamError` (its `partialText` keeps what arrived).
   */
  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const prepared = await this.#prepare(options);
    const { turn } = prepared;
    const content: LanguageModelV4Content[] = [];
    let current: LanguageModelV4Text | undefined;
    let response: LanguageModelV4ResponseMetadata = {};
    let finish:
      | {
          finishReason: LanguageModelV4FinishReason;
          usage: LanguageModelV4Usage;
          providerMetadata?: SharedV4ProviderMetadata;
        }
      | undefined;
    let failure: unknown;

    const mapper = new AgentPartMapper((part) => {
      switch (part.type) {
        case 'text-start':
          if (isReplacingText(part.providerMetadata)) {
            for (let i = content.length - 1; i >= 0; i--) if (content[i]!.type === 'text') content.splice(i, 1);
          }
          current = { type: 'text', text: '' };
          content.push(current);
          break;
        case 'text-delta':
          if (current !== undefined) current.text += part.delta;
          break;
        case 'text-end':
          current = undefined;
          break;
        case 'tool-call':
        case 'tool-result':
          content.push(part);
          break;
        case 'response-metadata': {
          const { type: _type, ...metadata } = part;
          response = metadata;
          break;
        }
        case 'finish':
          finish = part;
          break;
        case 'error':
          failure ??= part.error;
          break;
      }
    }, prepared.mapperOptions);

    let started = false;
    try {
      while (!mapper.ended) {
        const r = await turn.next();
        if (r.done) {
          mapper.fail(`${prepared.mapperOptions.platform} stream ended before its finish signal`, 'stream-cut', true);
          break;
        }
        started = true;
        if (r.value.type === 'finish') await prepared.remember(r.value.text);
        mapper.push(r.value);
      }
    } catch (error) {
      turn.cancel();
      throw started || isAbort(error) ? error : toCallError(error);
    }
    if (failure !== undefined) throw failure;
    return {
      content,
      finishReason: finish!.finishReason,
      usage: finish!.usage,
      ...(finish!.providerMetadata ? { providerMetadata: finish!.providerMetadata } : {}),
      response,
      warnings: prepared.warnings,
    };
  }
}
