export { startScriptedServer } from './scripted-server';
export type { ScriptedServer, ScriptedServerOptions } from './scripted-server';
export type { ScriptedHandler } from './scripted-handler';
export type {
  ScriptedReply,
  ScriptStep,
  ScriptWaitStep,
  ScriptStallStep,
  ScriptDestroyStep,
} from './scripted-reply';
export type { RecordedRequest, RecordedClose } from './recorded-request';
export { utf8, splitAt, splitEvery, everySplit } from './split-bytes';

// The fault knobs every simulator shares
export type {
  SimulatorFaultKnobs,
  SimulatorFaultState,
  SimulatorArmedFault,
  SimulatorCutPoint,
  SimulatorStallOptions,
  SimulatorCutOptions,
  SimulatorFailOptions,
  SimulatorRateLimitOptions,
  SimulatorDelayHeadersOptions,
  SimulatorMalformedJsonOptions,
} from './simulator-faults';

// The environment variables that point the SDKs at running simulators
export { simulatorEnv } from './simulator-env';
export type { SimulatorEnv, SimulatorEnvNames, SimulatorEnvSources } from './simulator-env';

// AgenticStar simulator
export { startAgenticStarSimulator } from './agenticstar-simulator';
export type {
  AgenticStarSimulator,
  AgenticStarSimulatorOptions,
  AgenticStarSimulatorScript,
  AgenticStarSimulatorTarget,
  AgenticStarSimulatorFaultOptions,
} from './agenticstar-simulator';
export type {
  AgenticStarSimulatorStep,
  AgenticStarSimulatorTask,
  AgenticStarSimulatorTurn,
} from './agenticstar-simulator-wire';
export {
  AGENTICSTAR_SIMULATOR_MODEL,
  defaultAnswerText as agenticStarDefaultAnswer,
} from './agenticstar-simulator-wire';
export type { AgenticStarIssuedToken, AgenticStarTokenEdition } from './agenticstar-simulator-tokens';
export type { AgenticStarSimulatorConversation } from './agenticstar-simulator-conversations';

// Alibaba Cloud AICall: ICE OpenAPI simulator (verifies ACS3 signatures) and AppServer simulator.
export {
  startAliyunIceSimulator,
  ALIYUN_ICE_SIM_VERSION,
  ALIYUN_ICE_SIM_ACCESS_KEY_ID,
  ALIYUN_ICE_SIM_ACCESS_KEY_SECRET,
} from './aliyun-ice-simulator';
export type {
  AliyunIceSimulator,
  AliyunIceSimulatorOptions,
  AliyunIceCall,
  AliyunIceAnswer,
  AliyunIceRejection,
} from './aliyun-ice-simulator';
export { ALIYUN_ICE_SIM_INSTANCE_ID, ALIYUN_ICE_SIM_AGENT_ID } from './aliyun-ice-simulator-state';
export type { AliyunIceInstance } from './aliyun-ice-simulator-state';
export {
  startAliyunAppServerSimulator,
  ALIYUN_APPSERVER_SIM_AUTHORIZATION,
  ALIYUN_APPSERVER_SIM_BASE_PATH,
} from './aliyun-appserver-simulator';
export type {
  AliyunAppServerSimulator,
  AliyunAppServerSimulatorOptions,
  AliyunAppServerAnswer,
  AliyunAppServerBusinessError,
} from './aliyun-appserver-simulator';
export { verifyAcs3Request, parseAcs3Authorization } from './aliyun-acs3-verify';
export type { Acs3VerifyInput, Acs3VerifyResult } from './aliyun-acs3-verify';
export { simulatorArtcToken } from './aliyun-artc-token';

// miibo simulator
export { startMiiboSimulator } from './miibo-simulator';
export type { MiiboSimulator } from './miibo-simulator';
export type {
  MiiboSimulatorOptions,
  MiiboSimulatorKnobs,
  MiiboSimulatorTurn,
  MiiboSimulatorGroupRun,
  MiiboWebhookDelivery,
} from './miibo-simulator-options';
export {
  DEFAULT_MIIBO_GREETING,
  MIIBO_REWRITE_DRAFT,
  MIIBO_SIM_API_KEY,
  MIIBO_SIM_AGENT_ID,
  MIIBO_SIM_ADMIN_API_KEY,
  defaultMiiboAnswer,
} from './miibo-simulator-options';

// Codeer simulator
export {
  startCodeerSimulator,
  CODEER_SIM_API_KEY,
  CODEER_SIM_AGENT_ID,
  CODEER_SIM_UNPUBLISHED_AGENT_ID,
  CODEER_SIM_BASE_PATH,
} from './codeer-simulator';
export type { CodeerSimulator, CodeerSimulatorOptions } from './codeer-simulator';
export type {
  CodeerSimulatorPlatformErrorOptions,
  CodeerSimulatorErrorCodeOptions,
  CodeerSimulatorInStreamErrorOptions,
} from './codeer-simulator-faults';
export { CODEER_SIM_DEFAULT_ANSWER } from './codeer-simulator-wire';
export type { CodeerSimulatorStep, CodeerSimulatorTurn, CodeerSimulatorVariant } from './codeer-simulator-wire';
export type {
  CodeerSimulatorState,
  CodeerSimulatorAgent,
  CodeerSimulatorChat,
  CodeerSimulatorMessage,
  CodeerSimulatorFile,
  CodeerSimulatorFeedback,
  CodeerSimulatorFormSubmission,
  CodeerSimulatorBatch,
  CodeerSimulatorBatchRequest,
} from './codeer-simulator-state';
export { parseMultipart, multipartBoundary } from './codeer-simulator-multipart';
export type { MultipartPart } from './codeer-simulator-multipart';

// Stream and failure helpers for tests
export { chunksOf, collect, rejectionOf, whenSteady } from './stream-helpers';
export {
  countSchemasBuilt,
  type CountSchemasBuiltOptions,
  type PackagesLoaded,
  packagesLoaded,
  type SchemasBuilt,
} from './import-cost';
