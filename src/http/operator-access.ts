// Who may open the operator pages (/status): the dashboard's rule, as one hook with the shape of a
// reusable basic-auth hook (`protect(scope)`), so a page can take either. With DASHBOARD_PASSWORD
// set, basic auth as DASHBOARD_USER; without one, only clients on this machine (loopback).
import fastifyBasicAuth from '@fastify/basic-auth';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface OperatorCredentials {
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

/** The shape of the dashboard's reusable auth hook, so /status can take either. */
export interface OperatorAuth {
  /** Puts every route of `scope` (an encapsulated plugin scope) behind the rule. */
  protect(scope: FastifyInstance): Promise<void>;
}

/**
 * @example const auth = operatorAccess({ user, password });
 *          await app.register(async (scope) => { await auth.protect(scope); scope.get('/status', …); });
 */
export function operatorAccess(credentials: OperatorCredentials): OperatorAuth {
  return { protect: (scope) => guardOperatorScope(scope, credentials) };
}

async function guardOperatorScope(scope: FastifyInstance, credentials: OperatorCredentials): Promise<void> {
  const { user, password } = credentials;
  if (password) {
    await scope.register(fastifyBasicAuth, {
      authenticate: { realm: 'intercom-sync' },
      validate: async (given, givenPassword) => {
        if (!same(given, user) || !same(givenPassword, password)) throw new Error('wrong credentials');
      },
    });
    scope.addHook('onRequest', scope.basicAuth);
    return;
  }
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isLoopback(request.ip))
      return reply
        .code(403)
        .send({ error: 'this page answers loopback clients only; set DASHBOARD_PASSWORD to open it' });
  });
}
