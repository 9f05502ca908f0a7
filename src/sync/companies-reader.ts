// Reads every company through the scroll API under the workspace-wide lock, restarting the scroll
// when Intercom expires or breaks it (docs/intercom-api.md#scroll). Yields pages; never calls per company.
import { systemClock } from '../clock/clock.js';
import type { Company } from '../intercom/types.js';
import { IntercomApiError } from '../intercom/errors.js';
import { workspaceKey, type SyncContext } from './context.js';
import { acquireLease } from './workspace-lease.js';

export interface CompaniesReadStats {
  restarts: number;
  scrollExistsWaits: number;
}

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
    waitMs: settings.scrollLockWaitMs,
    clock,
    ...(signal && { signal }),
  });
  // How long we have been meeting scroll_exists in a row (reset by every page we get).
  let waitingSince: number | undefined;
  try {
    for (;;) {
      try {
        for await (const page of intercom.companies.scroll({ lane: 'inbound', ...(signal && { signal }) })) {
          if (!(await lease.renew())) throw new Error('lost the companies scroll lock (Redis lease expired)');
          waitingSince = undefined;
          if (page.items.length > 0) yield page.items;
        }
        return;
      } catch (error) {
        if (!(error instanceof IntercomApiError)) throw error;
        // A lost page leaves our old scroll open for its idle minute, so the restart meets
        // scroll_exists; if that answer itself arrives cut off, its code cannot be read — a 400
        // with an unreadable body to a fresh scroll is treated the same way.
        if (error.code === 'scroll_exists' || (error.status === 400 && error.bodyUnreadable)) {
          // Someone outside our lock (or our own crashed run) holds a scroll; it expires after a
          // minute idle and cannot be cancelled, so wait (docs/intercom-api.md#one-scroll-at-a-time: back
          // off, don't fail).
          waitingSince ??= clock.now();
          if (clock.now() - waitingSince > settings.scrollLockWaitMs) throw error;
          stats.scrollExistsWaits++;
          log.warn({ waitMs: settings.scrollExistsRetryMs }, 'a companies scroll is already open; waiting');
          await lease.renew();
          await clock.sleep(settings.scrollExistsRetryMs, signal);
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
          continue;
        }
        throw error;
      }
    }
  } finally {
    await lease.release();
  }
}
