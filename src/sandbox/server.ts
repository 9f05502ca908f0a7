// Starts the sandbox: an HTTP server on loopback that plays an Intercom workspace, with auth,
// the rate limit, injected latency and faults in front of the API routes, and the control
// endpoints beside them. `startSandbox` is the one entry point for the CLI, tests and benchmarks.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createClock } from './clock.js';
import { CONTROL_PREFIX, registerControlRoutes } from './control.js';
import { ApiError, errorBody } from './errors.js';
import { BAD_GATEWAY_HTML, FaultInjector, truncateBody } from './faults.js';
import {
  parseSandboxOptions,
  pickRuntimeSettings,
  type RuntimeSettings,
  type SandboxOptions,
  type SandboxOptionsInput,
} from './options.js';
import { Prng } from './prng.js';
import { RateLimiter } from './rate-limit.js';
import { RequestIds } from './request-ids.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCompanyRoutes } from './routes/companies.js';
import { registerContactLinkRoutes } from './routes/contact-links.js';
import { registerContactRoutes } from './routes/contacts.js';
import { RequestStats } from './stats.js';
import type { Store } from './store.js';
import { WebhookItems } from './webhook-items.js';
import { WebhookDispatcher } from './webhooks.js';
import { createWorkspace, type Workspace } from './workspace.js';

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, the base URL to give an Intercom client. */
  readonly url: string;
  readonly port: number;
  readonly options: SandboxOptions;
  readonly store: Store;
  readonly workspace: Workspace;
  readonly webhooks: WebhookDispatcher;
  readonly stats: RequestStats;
  /** Milliseconds spent generating and loading the seeded workspace. */
  readonly loadMs: number;
  settings(): RuntimeSettings;
  updateSettings(patch: Partial<RuntimeSettings>): RuntimeSettings;
  close(): Promise<void>;
}

export interface SandboxDeps {
  /** The time the clock offset is added to (ms since the epoch). Default the wall clock. */
  readonly now?: () => number;
}

/**
 * Starts a sandbox on 127.0.0.1 (port 0 = any free port).
 * @example const sandbox = await startSandbox({ contacts: 500, seed: 7 }); … await sandbox.close();
 */
export async function startSandbox(
  input: SandboxOptionsInput = {},
  deps: SandboxDeps = {},
): Promise<Sandbox> {
  const options = parseSandboxOptions(input);
  const settings: RuntimeSettings = pickRuntimeSettings(options);
  const getSettings = () => settings;
  const clock = createClock(() => settings.clockOffsetSeconds, deps.now);
  // The workspace reports changes to the dispatcher, which renders items from the workspace's
  // store: seeding emits nothing, so the first notification comes after both exist.
  const ws: Workspace = createWorkspace({
    options,
    settings: getSettings,
    clock,
    emit: (event) => webhooks.notify(event),
  });
  const webhooks = new WebhookDispatcher({
    appId: options.appId,
    settings: getSettings,
    clock,
    rng: new Prng(options.seed + 3),
    seed: options.seed,
    queueLimit: options.webhookQueueLimit,
    items: new WebhookItems(ws.store),
  });
  const stats = new RequestStats();
  // The sandbox's clock, so shifting it (or a test's manual clock) also moves the rate windows.
  const limiter = new RateLimiter(getSettings, () => clock.nowMs());
  const faults = new FaultInjector(getSettings, new Prng(options.seed + 5));
  const hangs = new Set<NodeJS.Timeout>();
  const updateSettings = (patch: Partial<RuntimeSettings>): RuntimeSettings => Object.assign(settings, patch);

  const requestIds = new RequestIds(options.seed);
  const app = Fastify({
    logger: options.log,
    genReqId: () => requestIds.next(),
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 5 * 1024 * 1024,
  });
  installBodyParser(app);
  const truncated = new WeakSet<FastifyRequest>();
  const lost = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(CONTROL_PREFIX)) return;
    stats.started();
    reply.raw.once('close', () => stats.finished());
    reply.header('x-request-id', request.id);
    const fail = (code: string, message: string) => errorBody(request.id, code, message);
    // Unauthenticated requests get no rate-limit headers (docs/intercom-api.md#windows-and-headers).
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return reply.code(401).send(fail('unauthorized', 'Access Token Invalid'));
    }
    const rate = limiter.take();
    reply.headers(rate.headers);
    if (!rate.allowed) {
      return reply
        .code(429)
        .send(
          fail(
            'rate_limit_exceeded',
            `Exceeded rate limit of ${rate.limit} in ${rate.windowSeconds}_seconds`,
          ),
        );
    }
    // An unknown Intercom-Version is refused (docs/intercom-api.md#versioning; code from intercom-ruby).
    const version = request.headers['intercom-version'];
    if (typeof version === 'string' && !KNOWN_VERSION.test(version)) {
      return reply
        .code(400)
        .send(fail('intercom_version_invalid', `Requested Intercom-Version ${version} is invalid`));
    }
    const delay = faults.latencyMs();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const isRead = request.method === 'GET' || request.url.split('?')[0] === '/contacts/search';
    const fault = faults.draw(isRead);
    if (fault) stats.fault(fault);
    switch (fault) {
      case '500':
        return reply.code(500).send(fail('server_error', 'Server Error'));
      case '503':
        return reply.code(503).send(fail('service_unavailable', 'Service Unavailable'));
      case '502':
        // The gateway answers, not the API: HTML and no rate-limit headers.
        for (const name of [...Object.keys(rate.headers), 'x-request-id']) reply.removeHeader(name);
        return reply.code(502).type('text/html').send(BAD_GATEWAY_HTML);
      case 'timeout': {
        reply.hijack();
        stats.record(routeKey(request), 'timeout');
        const timer = setTimeout(() => {
          hangs.delete(timer);
          request.raw.socket?.destroy();
        }, settings.timeoutFaultMs);
        hangs.add(timer);
        return reply;
      }
      case 'truncated':
        truncated.add(request);
        return;
      case 'lost':
        lost.add(request);
        return;
      default:
        return;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (lost.has(request) && reply.statusCode < 300) {
      // Applied, but the gateway's page comes back instead of the answer.
      reply.code(502).type('text/html');
      for (const name of ['x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])
        reply.removeHeader(name);
      return BAD_GATEWAY_HTML;
    }
    return truncated.has(request) && typeof payload === 'string' ? truncateBody(payload) : payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!request.url.startsWith(CONTROL_PREFIX)) stats.record(routeKey(request), reply.statusCode);
  });

  app.setErrorHandler((error: unknown, _request, reply) => sendError(error, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(request.id, 'not_found', 'Resource Not Found')),
  );

  registerContactRoutes(app, ws);
  registerContactLinkRoutes(app, ws);
  registerCompanyRoutes(app, ws);
  registerCatalogRoutes(app, ws);
  registerControlRoutes(app, { ws, stats, webhooks, settings: getSettings, updateSettings });

  await app.listen({ host: '127.0.0.1', port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    options,
    store: ws.store,
    workspace: ws,
    webhooks,
    stats,
    loadMs: ws.loadMs,
    settings: getSettings,
    updateSettings,
    async close() {
      for (const t of hangs) clearTimeout(t);
      webhooks.close();
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

const KNOWN_VERSION = /^(1\.[0-4]|2\.([0-9]|1[0-9])|Unstable|Preview)$/;

function routeKey(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;
}

function sendError(error: unknown, reply: FastifyReply): FastifyReply {
  const id = reply.request.id;
  if (error instanceof ApiError)
    return reply.code(error.status).send(errorBody(id, error.code, error.message));
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply.code(400).send(errorBody(id, 'bad_request', (error as Error).message));
  }
  reply.log.error(error);
  return reply.code(500).send(errorBody(id, 'server_error', 'Server Error'));
}

/** JSON bodies; an empty body (a POST to /archive with a JSON content type) is no body, not an error. */
function installBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(400, 'bad_request', 'Invalid JSON in request body'), undefined);
    }
  });
}
