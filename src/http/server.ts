// The daemon's HTTP servers: the main one (webhook endpoint, /health, /ready, /metrics unless it has
// its own port, the dashboard) and, when asked, one for /metrics alone. Both time out slow clients.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import { requireBearerToken } from './bearer-token.js';
import { createPhase, type PhaseHolder } from './phase.js';
import { registerWebhookRoute, type WebhookRouteDeps } from './webhook-route.js';

export interface ReadyCheck {
  readonly name: string;
  check(): Promise<boolean>;
}

export interface ServerTimeouts {
  /** How long a client may take to send a request's headers (then 408 and the socket closes). */
  readonly headersMs: number;
  /** How long a client may take to send the whole request, body included. */
  readonly requestMs: number;
}

/** Node's defaults are minutes; a webhook or a probe is a few KB sent at once. */
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 5_000, requestMs: 10_000 };

export interface HttpServerDeps extends WebhookRouteDeps {
  readonly readyChecks: readonly ReadyCheck[];
  /** Largest webhook body accepted; Intercom notifications are a few KB. */
  readonly bodyLimitBytes?: number;
  /** Extra routes (the queue dashboard) registered by the daemon. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** Starting, running or draining (default: running, for a server built after start-up). */
  readonly phase?: PhaseHolder;
  /** Serve /metrics here (default); off when it has a server of its own (buildMetricsServer). */
  readonly serveMetrics?: boolean;
  /** Set, /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken?: string | undefined;
  readonly timeouts?: ServerTimeouts;
}

/** Paths that answer whatever the phase: the probes and the scrape. */
const ALWAYS_ANSWERED = new Set(['/health', '/ready', '/metrics']);

function fastifyWithTimeouts(timeouts: ServerTimeouts, bodyLimit?: number): FastifyInstance {
  return Fastify({
    logger: false,
    ...(bodyLimit !== undefined && { bodyLimit }),
    requestTimeout: timeouts.requestMs,
    // Node checks these timeouts every connectionsCheckingInterval (30 s by default): check often
    // enough that a trickled request is cut off close to its timeout.
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.max(20, Math.min(1_000, Math.floor(timeouts.headersMs / 4))),
    },
  });
}

function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.get('/metrics', token ? { onRequest: requireBearerToken(token) } : {}, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

/**
 * Builds (does not start) the server.
 * @example const app = await buildHttpServer(deps); await app.listen({ port: 8080, host: '0.0.0.0' });
 */
export async function buildHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.bodyLimitBytes ?? 1024 * 1024;
  const app = fastifyWithTimeouts(deps.timeouts ?? DEFAULT_SERVER_TIMEOUTS, bodyLimit);
  const phase = deps.phase ?? createPhase({ state: 'running' });

  // Keep the raw bytes: the signature is computed over them, not over re-serialised JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      deps.metrics.webhooks.inc({ outcome: 'rejected' });
      return reply.code(413).send({ error: `the body is larger than the ${bodyLimit} bytes accepted` });
    }
    const status = error.statusCode ?? 500;
    // A client's mistake (a wrong password, a bad request) is its answer, not a failure of ours;
    // a server error's message (a driver's, Postgres') is for the log only.
    if (status >= 500) deps.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: status < 500 ? error.message : 'internal error (logged)' });
  });

  // While starting, only the probes answer; while draining, everything is still served but each
  // response asks the client to reconnect (to a daemon that is not going away).
  app.addHook('onRequest', async (request, reply) => {
    const now = phase.get();
    if (now.state === 'draining') reply.header('connection', 'close');
    if (now.state === 'starting' && !ALWAYS_ANSWERED.has(request.url.split('?')[0]!)) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: `starting: waiting for ${now.waitingFor}` });
    }
  });

  registerWebhookRoute(app, deps);

  app.get('/health', async () => {
    const now = phase.get();
    return { status: now.state === 'running' ? 'ok' : now.state };
  });

  app.get('/ready', async (_request, reply) => {
    const now = phase.get();
    if (now.state === 'starting')
      return reply.code(503).send({ ready: false, status: 'starting', waitingFor: now.waitingFor });
    if (now.state === 'draining')
      return reply.code(503).send({ ready: false, status: 'draining', reason: 'shutting down' });
    const results = await Promise.all(
      deps.readyChecks.map(async (c) => [c.name, await c.check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });

  if (deps.serveMetrics ?? true) registerMetricsRoute(app, deps.metrics, deps.metricsToken);

  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}

export interface MetricsServerDeps {
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly token?: string | undefined;
  readonly timeouts?: ServerTimeouts;
}

/**
 * A server for /metrics alone (METRICS_PORT), so the scrape can stay off the port the internet reaches.
 * @example const server = await buildMetricsServer({ metrics, log }); await server.listen({ port: 9464 });
 */
export async function buildMetricsServer(deps: MetricsServerDeps): Promise<FastifyInstance> {
  const app = fastifyWithTimeouts(deps.timeouts ?? DEFAULT_SERVER_TIMEOUTS);
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if ((error.statusCode ?? 500) >= 500) deps.log.error({ err: error }, 'metrics request failed');
    return reply.code(error.statusCode ?? 500).send({ error: error.message });
  });
  registerMetricsRoute(app, deps.metrics, deps.token);
  return app;
}
