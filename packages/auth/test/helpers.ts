import type { ScriptedReply } from '@kakehashi/testkit';

/** A JSON reply. */
export function jsonReply(body: unknown, status = 200, extra: Partial<ScriptedReply> = {}): ScriptedReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...extra };
}

/** A successful client-credentials token response. */
export function tokenReply(
  token: string,
  expiresIn: number | string | undefined = 3600,
  extra: Partial<ScriptedReply> = {},
): ScriptedReply {
  return jsonReply(
    { access_token: token, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) },
    200,
    extra,
  );
}

/** A settable clock for the provider's `now` option. */
export function testClock(start = Date.UTC(2025, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Every way an error can be printed or serialised. */
export function errorTexts(error: unknown): string[] {
  const e = error as { message?: string; bodyExcerpt?: string; stack?: string };
  return [e.message ?? '', String(error), JSON.stringify(error), e.bodyExcerpt ?? '', e.stack ?? ''];
}
