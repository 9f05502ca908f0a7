// The BullMQ dashboard (Bull Board) at /dashboard: behind basic auth when a password is set,
// otherwise answered only to clients on this machine (loopback).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import fastifyBasicAuth from '@fastify/basic-auth';
import { timingSafeEqual } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DASHBOARD_PATH = '/dashboard';

export interface DashboardOptions {
  readonly queues: readonly Queue[];
  /** Basic-auth user (DASHBOARD_USER). */
  readonly user: string;
  /** Basic-auth password (DASHBOARD_PASSWORD); without one, only loopback clients are answered. */
  readonly password?: string | undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** A plugin for buildHttpServer's `plugins`. */
export function dashboardPlugin(options: DashboardOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const adapter = new FastifyAdapter();
    createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
    adapter.setBasePath(DASHBOARD_PATH);
    await app.register(async (scope) => {
      if (options.password) {
        await scope.register(fastifyBasicAuth, {
          authenticate: { realm: 'intercom-sync' },
          validate: async (user, password) => {
            if (!same(user, options.user) || !same(password, options.password!))
              throw new Error('wrong credentials');
          },
        });
        scope.addHook('onRequest', scope.basicAuth);
      } else {
        scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
          if (!isLoopback(request.ip)) {
            return reply
              .code(403)
              .send({
                error: 'the dashboard answers loopback clients only; set DASHBOARD_PASSWORD to open it',
              });
          }
        });
      }
      await scope.register(adapter.registerPlugin(), { prefix: DASHBOARD_PATH });
    });
  };
}
