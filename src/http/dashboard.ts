// The BullMQ dashboard (Bull Board) at /dashboard, always behind basic auth, and read-only unless
// write actions were opted into: a write there can start syncs, remove jobs or obliterate a queue.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BasicAuth } from './basic-auth.js';

export const DASHBOARD_PATH = '/dashboard';

export interface DashboardOptions {
  readonly queues: readonly Queue[];
  /** Who may see it (DASHBOARD_USER, DASHBOARD_PASSWORD). */
  readonly auth: BasicAuth;
  /** Let it add, retry, remove and pause jobs and queues (DASHBOARD_ALLOW_WRITES); default off. */
  readonly allowWrites?: boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * A plugin for buildHttpServer's `plugins`.
 * @example plugins: [dashboardPlugin({ queues: queues.all, auth, allowWrites: false })]
 */
export function dashboardPlugin(options: DashboardOptions) {
  const allowWrites = options.allowWrites ?? false;
  return async (app: FastifyInstance): Promise<void> => {
    const adapter = new FastifyAdapter();
    createBullBoard({
      queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: !allowWrites })),
      serverAdapter: adapter,
    });
    adapter.setBasePath(DASHBOARD_PATH);
    await app.register(async (scope) => {
      await options.auth.protect(scope);
      // Bull Board hides its buttons in read-only mode and refuses most writes (405); this refuses
      // every one, whatever route a later Bull Board adds.
      if (!allowWrites)
        scope.addHook('onRequest', async (request, reply) => {
          if (!READ_METHODS.has(request.method))
            return reply.code(405).send({
              error:
                'the dashboard is read-only; set DASHBOARD_ALLOW_WRITES=true to change jobs and queues from it',
            });
        });
      await scope.register(adapter.registerPlugin(), { prefix: DASHBOARD_PATH });
    });
  };
}

/**
 * Without a password the dashboard is not served; this says so instead of a bare 404.
 * @example plugins: [dashboardOffPlugin()]
 */
export function dashboardOffPlugin() {
  return async (app: FastifyInstance): Promise<void> => {
    const off = async (_request: unknown, reply: FastifyReply) =>
      reply.code(404).send({ error: 'the dashboard is off: set DASHBOARD_PASSWORD to serve it' });
    app.get(DASHBOARD_PATH, off);
    app.get(`${DASHBOARD_PATH}/*`, off);
  };
}
