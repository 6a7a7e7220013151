import { REDACTED } from '@kakehashi/sse-core';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What {@link AccessToken} is built from. */
export interface AccessTokenInit {
  token: string;
  tokenType: string;
  expiresAt: number;
  obtainedAt: number;
  generation: number;
  expiresInFromServer: boolean;
  scope?: string;
  raw: Record<string, unknown>;
}

/**
 * An access token and what the token endpoint said about it. Printing it (`String()`, `JSON.stringify`,
 * `console.log`) never shows the token itself; read {@link AccessToken.token} to use it.
 */
export class AccessToken {
  /** The access token. */
  readonly token: string;
  /** The scheme to send it with: `Bearer` unless the server named another one. */
  readonly tokenType: string;
  /** When it expires, in milliseconds since the epoch (on the provider's clock, see the `now` option). */
  readonly expiresAt: number;
  /** When the request that obtained it was sent (same clock). */
  readonly obtainedAt: number;
  /** Increases by one with every token this provider stores; a higher generation is a newer token. */
  readonly generation: number;
  /** False when the server sent no usable `expires_in` and the default lifetime was assumed. */
  readonly expiresInFromServer: boolean;
  /** The `scope` the server granted, when it said. */
  readonly scope?: string;
  readonly #raw: Record<string, unknown>;

  constructor(init: AccessTokenInit) {
    this.token = init.token;
    this.tokenType = init.tokenType;
    this.expiresAt = init.expiresAt;
    this.obtainedAt = init.obtainedAt;
    this.generation = init.generation;
    this.expiresInFromServer = init.expiresInFromServer;
    if (init.scope !== undefined) this.scope = init.scope;
    this.#raw = init.raw;
    Object.defineProperty(this, 'token', { enumerable: false });
    Object.freeze(this);
  }

  /** The whole token response body, unknown fields included (it contains the token: do not log it). */
  get raw(): Record<string, unknown> {
    return this.#raw;
  }

  /** The `Authorization` header value: `Bearer <token>`. */
  get authorization(): string {
    return `${this.tokenType} ${this.token}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      token: REDACTED,
      tokenType: this.tokenType,
      expiresAt: this.expiresAt,
      obtainedAt: this.obtainedAt,
      generation: this.generation,
      expiresInFromServer: this.expiresInFromServer,
      ...(this.scope === undefined ? {} : { scope: this.scope }),
    };
  }

  toString(): string {
    return `AccessToken(${this.tokenType} ${REDACTED}, generation ${this.generation}, expires ${new Date(this.expiresAt).toISOString()})`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}
