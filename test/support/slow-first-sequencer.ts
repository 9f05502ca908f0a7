// Orders the test files so the two workers finish together: the files known to be slow start
// first (longest first), the rest fill in behind them. Vitest orders by the durations it cached
// on an earlier run, but a fresh clone (CI) has no cache and falls back to file size, which can
// leave one worker running a 25 s file alone at the end while the other idles.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files slower than ~3 s, slowest first, from .services/vitest.json of a full `npm test` run.
 * Only an order: a file missing here (or a renamed one) still runs, merely later.
 */
export const SLOW_FILES: readonly string[] = [
  'test/chaos/chaos-small.test.ts',
  'test/workers/shared-full-sync.test.ts',
  'test/scripts/demo.test.ts',
  'test/package/install.test.ts',
  'test/cli/sync-verify-status.test.ts',
  'test/workers/failed-jobs.test.ts',
  'test/db/migrate.test.ts',
  'test/db/outbox-channel.test.ts',
  'test/cli/dry-run-and-usage.test.ts',
  'test/sync/resume.test.ts',
  'test/push/resilience.test.ts',
  'test/workers/daemon-shutdown.test.ts',
  'test/cli/daemon-startup.test.ts',
  'test/push/failed-changes.test.ts',
  'test/cli/errors.test.ts',
  'test/cli/help.test.ts',
  'test/http/daemon-config.test.ts',
  'test/push/merge.test.ts',
  'test/push/daemon.test.ts',
  'test/http/graceful.test.ts',
  'test/sync/full-sync.test.ts',
  'test/sandbox/search.test.ts',
  'test/workers/daemon-redis.test.ts',
  'test/sync/companies-scroll.test.ts',
  'test/workers/daemon-cluster.test.ts',
  'test/http/status-page.test.ts',
  'test/push/create-conflicts.test.ts',
];

/**
 * Vitest's `sequence.sequencer`: SLOW_FILES first in their order, then Vitest's own order.
 * @example defineConfig({ test: { sequence: { sequencer: SlowFirstSequencer } } });
 */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rest = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = SLOW_FILES.indexOf(relative(this.ctx.config.root, spec.moduleId).replaceAll('\\', '/'));
      return at === -1 ? SLOW_FILES.length : at;
    };
    // Array.prototype.sort is stable: files outside the list keep Vitest's order.
    return rest.sort((a, b) => rank(a) - rank(b));
  }
}
