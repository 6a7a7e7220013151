/** What the tool description says of a platform: what it is, and what its session value is. */
export interface PlatformBlurb {
  /** One sentence: what the platform is. */
  what: string;
  /** What the `session` value stands for on this platform. */
  session: string;
}

/**
 * Words for the platforms kakehashi ships. Text only: the tools behave the same for every platform,
 * and a platform missing here (one added with `defaultPlatforms.with(…)`) gets a generic description.
 */
const KNOWN: Readonly<Record<string, PlatformBlurb>> = {
  agenticstar: {
    what: 'AgenticStar (SoftBank) is an enterprise AI-agent platform whose agents plan tasks and use tools before they answer.',
    session: 'the AgenticStar conversation id',
  },
  codeer: {
    what: 'Codeer (codeer.ai) hosts knowledge-base agents that search their sources in reasoning steps and then answer.',
    session: 'the Codeer chat id',
  },
  miibo: {
    what: 'miibo is a Japanese no-code platform for conversational agents that keep state per end user.',
    session: 'the miibo uid, the end user whose conversation state the agent keeps',
  },
};

/** What the description needs to know of a ready platform. */
export interface DescribedPlatform {
  name: string;
  title: string;
  /** Whether a call without `agent` works (a default agent is configured, or the platform needs none). */
  agentOptional: boolean;
}

/** The chat tool's description: what the platform is, the fields, and how a conversation continues. */
export function chatToolDescription(platform: DescribedPlatform): string {
  const blurb = KNOWN[platform.name] ?? {
    what: `${platform.title} is a chat platform served through kakehashi.`,
    session: `the ${platform.title} session`,
  };
  const agent = platform.agentOptional
    ? '`agent` (optional) picks another agent by id; without it the configured default agent answers.'
    : '`agent` is needed here: no default agent is configured, so pass the agent id.';
  return [
    `Send a message to an agent on ${platform.title} and get its whole answer. ${blurb.what}`,
    `\`message\` is the user's message. ${agent}`,
    `The result's \`session\` (${blurb.session}) continues the conversation: pass it back as \`session\` with the next message and the agent remembers what was said; without \`session\` a new conversation starts.`,
  ].join('\n');
}
