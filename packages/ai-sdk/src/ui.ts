// `@kakehashi/ai-sdk/ui`: the helpers a browser needs to render a kakehashi answer, with no
// dependency (nothing of the platforms or their SDKs is bundled).
export {
  answerText,
  withoutReplacedText,
  isReplacingText,
  KAKEHASHI_KEY,
  type TextLikePart,
} from './kakehashi-replaced-text';
