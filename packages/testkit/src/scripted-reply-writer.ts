import type { OutgoingHttpHeaders } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ScriptedExchange } from './scripted-exchange';
import type { ScriptedReply } from './scripted-reply';

function hasHeader(headers: OutgoingHttpHeaders, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function statusHasBody(status: number): boolean {
  return !(status < 200 || status === 204 || status === 304);
}

function toBuffer(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/**
 * Play a scripted reply onto the exchange's response: optional reset or header
 * delay, then the status line and headers, then the body (whole or step by step).
 */
export async function writeScriptedReply(exchange: ScriptedExchange, reply: ScriptedReply): Promise<void> {
  const res = exchange.response;
  if (exchange.gone) return;
  if (reply.resetBeforeHeaders === true) {
    exchange.cut(true);
    return;
  }
  if (reply.stallBeforeHeaders === true) {
    await exchange.untilGone();
    return;
  }
  if (reply.headersDelayMs !== undefined && reply.headersDelayMs > 0) {
    await exchange.sleep(reply.headersDelayMs);
    if (exchange.gone) return;
  }
  const status = reply.status ?? 200;
  const headers: OutgoingHttpHeaders = { ...reply.headers };
  const body = reply.body ?? '';

  if (!Array.isArray(body)) {
    const bytes = toBuffer(body);
    if (statusHasBody(status) && !hasHeader(headers, 'content-length') && !hasHeader(headers, 'transfer-encoding')) {
      headers['content-length'] = String(bytes.byteLength);
    }
    res.writeHead(status, headers);
    await new Promise<void>((resolve) => {
      res.end(bytes, () => resolve());
      void exchange.untilGone().then(resolve);
    });
    return;
  }

  res.writeHead(status, headers);
  res.socket?.setNoDelay(true);
  res.flushHeaders();
  for (const step of body) {
    if (exchange.gone) return;
    if (typeof step === 'string' || step instanceof Uint8Array) {
      await exchange.write(toBuffer(step));
      // Let the event loop run so the next write leaves as its own segment.
      await nextTurn();
    } else if ('wait' in step) {
      await exchange.sleep(step.wait);
    } else if ('stall' in step) {
      await exchange.untilGone();
      return;
    } else {
      exchange.cut(step.reset === true);
      return;
    }
  }
  if (!exchange.gone) res.end();
}
