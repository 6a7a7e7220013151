/** The OpenAI error body every non-AppServer route answers failures with. */
export interface ServerErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

/** Details of {@link errorResponse}. */
export interface ServerErrorDetails {
  /** OpenAI's `type`. Default: `invalid_request_error` for 4xx, `server_error` for 5xx. */
  type?: string;
  /** The field at fault. */
  param?: string;
  /** A stable code, e.g. `invalid_api_key`. */
  code?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** A JSON error response in OpenAI's shape: `{ error: { message, type, param, code } }`. */
export function errorResponse(status: number, message: string, details: ServerErrorDetails = {}): Response {
  const body: ServerErrorBody = {
    error: {
      message,
      type: details.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
      param: details.param ?? null,
      code: details.code ?? null,
    },
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...details.headers },
  });
}

/** A JSON response. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
