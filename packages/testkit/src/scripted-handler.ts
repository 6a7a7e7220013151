import type { RecordedRequest } from './recorded-request';
import type { ScriptedReply } from './scripted-reply';

/** Computes the reply to a request when the reply queue is empty. */
export type ScriptedHandler = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

/** The fallback when no reply is queued and no handler is set: 404 `{"error":"no scripted reply"}`. */
export const noScriptedReplyHandler: ScriptedHandler = () => ({
  status: 404,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: 'no scripted reply' }),
});
