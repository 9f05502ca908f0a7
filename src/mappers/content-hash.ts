// The digest a mirrored contact or company keeps of the payload it was written from (migration 0003).
import { hash } from 'node:crypto';

/**
 * Bump when a mapper maps any payload differently: every row's digest then changes, so the next
 * full pass compares (and, where the mapping changed, rewrites) every row once.
 * 2: the catalogs' mapper (mappers/catalog); timestamps at whole seconds, ISO 8601 accepted.
 */
const MAPPING_VERSION = 2;

/**
 * A digest of the payload as received (its JSON text, keys in Intercom's order) and of the mapping.
 * A full pass skips a record whose stored digest is equal; a payload sent with its keys in another
 * order only costs a comparison, never a missed change.
 * @example row.content_hash === contentHash(payload)
 */
export function contentHash(payload: unknown): string {
  return hash('sha1', `${MAPPING_VERSION}:${JSON.stringify(payload)}`, 'base64');
}
