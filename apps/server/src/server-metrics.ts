import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** The registry to register into. Default: a fresh one (so several servers in one process do not clash). */
  registry?: Registry;
  /** Also collect Node's process metrics (CPU, memory, event loop lag, …) with the `kakehashi_` prefix. Default true. */
  defaultMetrics?: boolean;
}

/**
 * The server's Prometheus metrics. The chat handler (or your own routes) records upstream calls through
 * {@link ServerMetrics.observeUpstream} and {@link ServerMetrics.countProviderError}; HTTP requests and
 * open `text/event-stream` responses are counted by the server itself.
 */
export interface ServerMetrics {
  /** The registry `GET /metrics` serves. */
  readonly registry: Registry;
  /** `kakehashi_http_requests_total{method, route, status}`: responses by route pattern and status. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** `kakehashi_http_request_duration_seconds{method, route}`: time to the response headers. */
  readonly httpDuration: Histogram<'method' | 'route'>;
  /** `kakehashi_active_streams{route}`: `text/event-stream` responses still being written. */
  readonly activeStreams: Gauge<'route'>;
  /**
   * `kakehashi_client_disconnects_total{route, phase}`: callers that went away, `before_answer`
   * (answered 499 in `kakehashi_http_requests_total`) or `mid_stream`. Never a provider error.
   */
  readonly clientDisconnects: Counter<'route' | 'phase'>;
  /** `kakehashi_upstream_turns_active{provider}`: provider calls (agent turns) in progress. */
  readonly upstreamTurns: Gauge<'provider'>;
  /** `kakehashi_upstream_latency_seconds{provider, operation, outcome}`: provider calls, to the first event (chat) or to the answer. */
  readonly upstreamLatency: Histogram<'provider' | 'operation' | 'outcome'>;
  /** `kakehashi_provider_errors_total{provider, kind}`: failures by provider and error kind (`api-call`, `timeout`, …). */
  readonly providerErrors: Counter<'provider' | 'kind'>;
  /** `kakehashi_store_failures_total{store, operation}`: storage calls that failed (each answered 503 or logged). */
  readonly storeFailures: Counter<'store' | 'operation'>;
  /** Records one upstream call's duration. `outcome` is `ok` or `error`. */
  observeUpstream(provider: string, operation: string, seconds: number, outcome?: 'ok' | 'error'): void;
  /** Counts one provider failure: `error` is the kind itself, or an error whose `kind` (sse-core errors) is used; else `unknown`. */
  countProviderError(provider: string, error: unknown): void;
}

/** Creates the server's metric set in a registry. */
export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'kakehashi_' });
  const registers = [registry];
  const httpRequests = new Counter({
    name: 'kakehashi_http_requests_total',
    help: 'HTTP responses by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'kakehashi_http_request_duration_seconds',
    help: 'Time from request to response headers, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const activeStreams = new Gauge({
    name: 'kakehashi_active_streams',
    help: 'text/event-stream responses still being written, by route pattern',
    labelNames: ['route'] as const,
    registers,
  });
  const clientDisconnects = new Counter({
    name: 'kakehashi_client_disconnects_total',
    help: 'Callers that went away before their answer (before_answer, counted as status 499) or mid-stream (mid_stream), by route pattern',
    labelNames: ['route', 'phase'] as const,
    registers,
  });
  const upstreamTurns = new Gauge({
    name: 'kakehashi_upstream_turns_active',
    help: 'Provider calls (agent turns) in progress, by provider',
    labelNames: ['provider'] as const,
    registers,
  });
  const upstreamLatency = new Histogram({
    name: 'kakehashi_upstream_latency_seconds',
    help: 'Provider call latency, by provider, operation and outcome',
    labelNames: ['provider', 'operation', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers,
  });
  const providerErrors = new Counter({
    name: 'kakehashi_provider_errors_total',
    help: 'Provider failures, by provider and error kind',
    labelNames: ['provider', 'kind'] as const,
    registers,
  });
  const storeFailures = new Counter({
    name: 'kakehashi_store_failures_total',
    help: 'Storage calls that failed (the store could not read or write), by store and operation',
    labelNames: ['store', 'operation'] as const,
    registers,
  });
  return {
    registry,
    storeFailures,
    httpRequests,
    httpDuration,
    activeStreams,
    clientDisconnects,
    upstreamTurns,
    upstreamLatency,
    providerErrors,
    observeUpstream(provider, operation, seconds, outcome = 'ok') {
      upstreamLatency.observe({ provider, operation, outcome }, seconds);
    },
    countProviderError(provider, error) {
      const kind =
        typeof error === 'string'
          ? error
          : typeof error === 'object' && error !== null && typeof (error as { kind?: unknown }).kind === 'string'
            ? (error as { kind: string }).kind
            : 'unknown';
      providerErrors.inc({ provider, kind });
    },
  };
}
