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
