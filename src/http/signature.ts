// Checks Intercom's webhook signature: `X-Hub-Signature: sha1=<hex>`, an HMAC-SHA1 of the raw body
// keyed with the app's client secret (docs/intercom-api.md#webhook-signature), compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The header value Intercom would send for this body. */
export function signBody(body: Buffer | string, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

/**
 * @example verifySignature(rawBody, req.headers['x-hub-signature'], config.INTERCOM_CLIENT_SECRET)
 */
export function verifySignature(
  body: Buffer,
  header: string | string[] | undefined,
  secret: string,
): SignatureVerdict {
  if (header === undefined || header === '')
    return { ok: false, reason: 'the X-Hub-Signature header is missing' };
  if (Array.isArray(header)) return { ok: false, reason: 'more than one X-Hub-Signature header was sent' };
  const match = /^([a-z0-9]+)=([0-9a-f]*)$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'the X-Hub-Signature header is not of the form sha1=<hex>' };
  if (match[1]!.toLowerCase() !== 'sha1') {
    return { ok: false, reason: `the signature uses ${match[1]}, but Intercom signs with sha1` };
  }
  const expected = createHmac('sha1', secret).update(body).digest();
  const given = Buffer.from(match[2]!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      reason: 'the signature does not match the body (wrong client secret, or the body was altered)',
    };
  }
  return { ok: true };
}
