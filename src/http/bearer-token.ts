// A route guard for machine clients (Prometheus): `Authorization: Bearer <token>`, compared in
// constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * An onRequest hook answering 401 unless the request carries the token.
 * @example app.get('/metrics', { onRequest: requireBearerToken(token) }, handler);
 */
export function requireBearerToken(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]!), expected)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: 'this endpoint needs Authorization: Bearer <METRICS_TOKEN>' });
  };
}
