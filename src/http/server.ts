// The daemon's one HTTP server: the webhook endpoint, /health, /ready, /metrics, and the dashboard.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerWebhookRoute, type WebhookRouteDeps } from './webhook-route.js';

export interface ReadyCheck {
  readonly name: string;
  check(): Promise<boolean>;
}

export interface HttpServerDeps extends WebhookRouteDeps {
  readonly readyChecks: readonly ReadyCheck[];
  /** Largest webhook body accepted; Intercom notifications are a few KB. */
  readonly bodyLimitBytes?: number;
  /** Extra routes (the queue dashboard) registered by the daemon. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
}

/**
 * Builds (does not start) the server.
 * @example const app = await buildHttpServer(deps); await app.listen({ port: 8080, host: '0.0.0.0' });
 */
export async function buildHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024 });

  // Keep the raw bytes: the signature is computed over them, not over re-serialised JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      deps.metrics.webhooks.inc({ outcome: 'rejected' });
      return reply
        .code(413)
        .send({ error: `the body is larger than the ${deps.bodyLimitBytes ?? 1024 * 1024} bytes accepted` });
    }
    deps.log.error({ err: error }, 'request failed');
    const status = error.statusCode ?? 500;
    // A client error says what was wrong with the request; a server error's message (a driver's,
    // Postgres') is for the log only.
    return reply.code(status).send({ error: status < 500 ? error.message : 'internal error (logged)' });
  });

  registerWebhookRoute(app, deps);

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const results = await Promise.all(
      deps.readyChecks.map(async (c) => [c.name, await c.check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}
