export {
  createKakehashi,
  kakehashi,
  type KakehashiProvider,
  type KakehashiModelId,
} from './kakehashi-provider';
export { DEFAULT_SESSION_CACHE_SIZE, type KakehashiProviderSettings } from './kakehashi-settings';
export { KakehashiLanguageModel } from './kakehashi-language-model';
export type { KakehashiCallOptions } from './kakehashi-call-options';
export {
  answerText,
  withoutReplacedText,
  isReplacingText,
  KAKEHASHI_KEY,
  type TextLikePart,
} from './kakehashi-replaced-text';
