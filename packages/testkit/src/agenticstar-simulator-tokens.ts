import { randomBytes } from 'node:crypto';

/** Which token endpoint issued a token. */
export type AgenticStarTokenEdition = 'saas' | 'marketplace';

/** One access token the simulator issued. */
export interface AgenticStarIssuedToken {
  token: string;
  edition: AgenticStarTokenEdition;
  /** Epoch milliseconds (real clock). */
  issuedAt: number;
  /** Epoch milliseconds (real clock); the token is refused from this instant on. */
  expiresAt: number;
  /** Increases with every {@link AgenticStarTokenStore.revokeAll}; tokens of older generations are refused. */
  generation: number;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * Issues JWT-shaped bearer tokens (RS256 header like the documented example; the signature is random
 * bytes) and checks them: unknown, expired and revoked tokens are refused.
 */
export class AgenticStarTokenStore {
  readonly #tokens = new Map<string, AgenticStarIssuedToken>();
  #generation = 0;
  #serial = 0;

  /** Issues a token valid for `lifetimeSeconds` (real time). */
  issue(edition: AgenticStarTokenEdition, lifetimeSeconds: number, clientId: string): AgenticStarIssuedToken {
    const issuedAt = Date.now();
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        sub: clientId,
        azp: clientId,
        edition,
        gen: this.#generation,
        n: ++this.#serial,
        iat: Math.floor(issuedAt / 1000),
      }),
    );
    const token = `${header}.${payload}.${base64url(randomBytes(24))}`;
    const issued: AgenticStarIssuedToken = {
      token,
      edition,
      issuedAt,
      expiresAt: issuedAt + lifetimeSeconds * 1000,
      generation: this.#generation,
    };
    this.#tokens.set(token, issued);
    return issued;
  }

  /** The token's record when it is known, unexpired and of the current generation. */
  check(token: string | undefined): AgenticStarIssuedToken | undefined {
    if (token === undefined) return undefined;
    const issued = this.#tokens.get(token);
    if (issued === undefined || issued.generation !== this.#generation || Date.now() >= issued.expiresAt)
      return undefined;
    return issued;
  }

  /** Refuses every token issued so far; returns how many were live. */
  revokeAll(): number {
    let live = 0;
    for (const t of this.#tokens.values()) if (t.generation === this.#generation && Date.now() < t.expiresAt) live++;
    this.#generation++;
    return live;
  }

  /** Every token issued, oldest first. */
  get issued(): AgenticStarIssuedToken[] {
    return [...this.#tokens.values()];
  }
}

/** The bearer credentials of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
