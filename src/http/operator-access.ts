// Who may open the operator pages (/status) when no DASHBOARD_PASSWORD is set: only clients on this
// machine (loopback). With a password the page shares the dashboard's BasicAuth (basic-auth.ts)
// and its lockout. Both have the shape `protect(scope)`, so a page takes either.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** The shape of the dashboard's reusable auth hook, so /status can take either. */
export interface OperatorAuth {
  /** Puts every route of `scope` (an encapsulated plugin scope) behind the rule. */
  protect(scope: FastifyInstance): Promise<void>;
}

/**
 * @example const auth = loopbackOnly();
 *          await app.register(async (scope) => { await auth.protect(scope); scope.get('/status', …); });
 */
export function loopbackOnly(): OperatorAuth {
  return {
    protect: async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (!isLoopback(request.ip))
          return reply
            .code(403)
            .send({ error: 'this page answers loopback clients only; set DASHBOARD_PASSWORD to open it' });
      });
    },
  };
}
