// Basic auth for the daemon's operator pages (the dashboard; any page registered behind it):
// credentials compared in constant time, and a client that keeps guessing locked out for a while.
import fastifyBasicAuth from '@fastify/basic-auth';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';

export interface BasicAuthOptions {
  readonly user: string;
  readonly password: string;
  /** Shown by the browser's login prompt. */
  readonly realm: string;
  /** Wrong credentials one client may send within `lockoutMs` before it is refused (429). */
  readonly maxFailures: number;
  readonly lockoutMs: number;
  readonly clock: Clock;
}

export interface BasicAuth {
  /**
   * Puts every route of `scope` behind these credentials. Call it once per encapsulated scope
   * (`app.register(async (scope) => { await auth.protect(scope); scope.get(…) })`); scopes that
   * share one BasicAuth share its lockout.
   */
  protect(scope: FastifyInstance): Promise<void>;
}

/** Entries kept at most: a flood of addresses cannot grow the table without bound. */
const MAX_TRACKED_CLIENTS = 10_000;

interface Failures {
  count: number;
  /** When the first failure of this window happened. */
  since: number;
}

class HttpStatusError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

// Equal-length digests, so neither the comparison's time nor an early length check tells how
// much of a guess was right.
const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * @example const auth = createBasicAuth({ user, password, realm: 'intercom-pg-sync', maxFailures: 10, lockoutMs: 900_000, clock });
 *          await app.register(async (scope) => { await auth.protect(scope); scope.get('/status', …); });
 */
export function createBasicAuth(options: BasicAuthOptions): BasicAuth {
  const user = digest(options.user);
  const password = digest(options.password);
  const failures = new Map<string, Failures>();

  const current = (client: string): Failures | undefined => {
    const entry = failures.get(client);
    if (entry && options.clock.now() - entry.since >= options.lockoutMs) {
      failures.delete(client);
      return undefined;
    }
    return entry;
  };

  const recordFailure = (client: string) => {
    const entry = current(client);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (failures.size >= MAX_TRACKED_CLIENTS) {
      for (const [key] of failures) if (!current(key)) failures.delete(key);
      if (failures.size >= MAX_TRACKED_CLIENTS) failures.delete(failures.keys().next().value!);
    }
    failures.set(client, { count: 1, since: options.clock.now() });
  };

  /** The refusal a locked-out client gets, or undefined while it may still try. */
  const lockout = (client: string): { seconds: number } | undefined => {
    const entry = current(client);
    if (!entry || entry.count < options.maxFailures) return undefined;
    return {
      seconds: Math.max(1, Math.ceil((entry.since + options.lockoutMs - options.clock.now()) / 1000)),
    };
  };

  const validate = async (
    givenUser: string,
    givenPassword: string,
    request: FastifyRequest,
  ): Promise<void> => {
    // Both comparisons always run (no short circuit), each over equal-length digests.
    const userOk = timingSafeEqual(digest(givenUser), user);
    const passwordOk = timingSafeEqual(digest(givenPassword), password);
    if (userOk && passwordOk) {
      failures.delete(request.ip);
      return;
    }
    recordFailure(request.ip);
    throw new HttpStatusError('wrong user or password', 401);
  };

  return {
    async protect(scope) {
      await scope.register(fastifyBasicAuth, { authenticate: { realm: options.realm }, validate });
      // Answered here rather than through the error handler, so a plugin's own handler (Bull
      // Board has one) cannot reshape the refusal. A locked-out client is refused before its
      // credentials are even looked at: the right password must not unlock it early.
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const locked = lockout(request.ip);
        if (locked)
          return reply
            .code(429)
            .header('retry-after', String(locked.seconds))
            .send({ error: `too many wrong passwords from this address; try again in ${locked.seconds} s` });
        const refusal = await new Promise<(Error & { statusCode?: number }) | undefined>((resolve) =>
          scope.basicAuth(request, reply, (error?: Error) => resolve(error)),
        );
        if (refusal) return reply.code(refusal.statusCode ?? 401).send({ error: refusal.message });
      });
    },
  };
}
