// Reads every company through the scroll API under the workspace-wide lock (docs/intercom-api.md#scroll).
// A failed continuation is retried with the same scroll_param; only a lost page (a cut-off body)
// or a closed scroll restarts it, and a restart that meets our own scroll still open asks again
// the moment that scroll has expired, not a polling step later. Yields pages; never calls per company.
import { systemClock } from '../clock/clock.js';
import type { Company } from '../intercom/types.js';
import { IntercomApiError } from '../intercom/errors.js';
import { workspaceKey, type SyncContext } from './context.js';
import { acquireLease } from './workspace-lease.js';

export interface CompaniesReadStats {
  restarts: number;
  scrollExistsWaits: number;
  /** Continuations that failed and were asked again with the same scroll_param. */
  continuationRetries?: number;
}

/** Intercom closes a scroll one minute after its last call (docs/intercom-api.md#scroll-expiry). */
export const SCROLL_EXPIRY_MS = 60_000;
/** Past the expiry before asking again: the two clocks are not one. */
const EXPIRY_MARGIN_MS = 1_000;
/**
 * The scroll lock's lease (renewed by the lease itself while held): a holder that dies frees it
 * within seconds, not a minute and a half; the scroll it may have left open is then met as
 * scroll_exists and waited out below.
 */
const SCROLL_LOCK_TTL_MS = 15_000;
/** Tries of one continuation before the scroll is restarted instead. */
const CONTINUATION_TRIES = 4;

/**
 * @example for await (const companies of readAllCompanies(ctx, stats)) await save(companies);
 */
export async function* readAllCompanies(
  ctx: SyncContext,
  stats: CompaniesReadStats = { restarts: 0, scrollExistsWaits: 0 },
  signal?: AbortSignal,
): AsyncGenerator<readonly Company[], void, undefined> {
  const { intercom, redis, log, settings } = ctx;
  const clock = ctx.clock ?? systemClock;
  const lease = await acquireLease({
    redis,
    key: workspaceKey(ctx, 'scroll-lock'),
    ttlMs: SCROLL_LOCK_TTL_MS,
    waitMs: settings.scrollLockWaitMs,
    clock,
    ...(signal && { signal }),
  });
  // How long we have been meeting scroll_exists in a row (reset by every page we get).
  let waitingSince: number | undefined;
  // The scroll_param to continue from (undefined: start a scroll), and when our scroll was last
  // called: a scroll we left open closes SCROLL_EXPIRY_MS after that.
  let resumeFrom: string | undefined;
  let ourScrollTouchedAt: number | undefined;
  let failedTries = 0;
  try {
    for (;;) {
      try {
        const pages = intercom.companies.scroll({
          lane: 'inbound',
          ...(resumeFrom !== undefined && { scrollParam: resumeFrom }),
          ...(signal && { signal }),
        });
        for await (const page of pages) {
          if (!(await lease.renew())) throw new Error('lost the companies scroll lock (Redis lease expired)');
          waitingSince = undefined;
          failedTries = 0;
          resumeFrom = page.scrollParam;
          ourScrollTouchedAt = clock.now();
          if (page.items.length > 0) yield page.items;
        }
        return;
      } catch (error) {
        if (!(error instanceof IntercomApiError)) throw error;
        const continuing = resumeFrom !== undefined;
        if (continuing) ourScrollTouchedAt = clock.now();
        // A continuation that failed without answering a page (5xx, 429, no response) lost
        // nothing: ask again with the same scroll_param. A 404 means it is closed (expired, or a
        // 500 that said "please restart"), and a cut-off 200 lost its page: both restart.
        const lostPage = error.code === 'invalid_response' && error.status < 300;
        if (continuing && error.retryable && !lostPage && ++failedTries < CONTINUATION_TRIES) {
          stats.continuationRetries = (stats.continuationRetries ?? 0) + 1;
          // 1 s, 2 s, 4 s: well inside the minute the scroll stays open.
          const waitMs = Math.min(1_000, settings.scrollExistsRetryMs) * 2 ** (failedTries - 1);
          log.warn(
            { code: error.code, status: error.status, waitMs },
            'companies scroll page failed; asking again',
          );
          await lease.renew();
          await clock.sleep(waitMs, signal);
          continue;
        }
        // A lost page leaves our old scroll open for its idle minute, so the restart meets
        // scroll_exists; if that answer itself arrives cut off, its code cannot be read — a 400
        // with an unreadable body to a fresh scroll is treated the same way.
        if (
          !continuing &&
          (error.code === 'scroll_exists' || (error.status === 400 && error.bodyUnreadable))
        ) {
          // Someone outside our lock (or our own crashed run) holds a scroll; it expires after a
          // minute idle and cannot be cancelled, so wait (docs/intercom-api.md#one-scroll-at-a-time: back
          // off, don't fail). If it may be the one we just left, the last step ends when that one
          // closes rather than a whole step later.
          waitingSince ??= clock.now();
          if (clock.now() - waitingSince > settings.scrollLockWaitMs) throw error;
          stats.scrollExistsWaits++;
          const untilOursCloses =
            ourScrollTouchedAt === undefined
              ? Infinity
              : ourScrollTouchedAt + SCROLL_EXPIRY_MS + EXPIRY_MARGIN_MS - clock.now();
          const waitMs =
            untilOursCloses > 0
              ? Math.min(settings.scrollExistsRetryMs, untilOursCloses)
              : settings.scrollExistsRetryMs;
          log.warn({ waitMs }, 'a companies scroll is already open; waiting');
          await lease.renew();
          await clock.sleep(waitMs, signal);
          continue;
        }
        // 404: our scroll expired; 5xx: "please restart the scroll operation"; a cut-off body or a
        // dropped connection lost the page and its scroll_param. None can resume.
        if (
          error.status === 404 ||
          error.status >= 500 ||
          error.status === 0 ||
          error.code === 'invalid_response'
        ) {
          stats.restarts++;
          if (stats.restarts > settings.maxScrollRestarts) throw error;
          log.warn(
            { code: error.code, status: error.status, restarts: stats.restarts },
            'restarting the companies scroll',
          );
          resumeFrom = undefined;
          failedTries = 0;
          continue;
        }
        throw error;
      }
    }
  } finally {
    await lease.release();
  }
}
