// Wakes the pusher: LISTEN for the capture trigger's pg_notify and add one push job per record.
// The job id names the record and the job waits a moment, so a burst of edits becomes one push.
// Notifications can be missed (listener down, Redis flushed): the sweeper covers those.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { listenToOutbox, type OutboxChannelStatus } from '../db/outbox-channel.js';
import type { Metrics } from '../observability/metrics.js';
import type { PushJob } from './queues.js';

/** @example await enqueuePush(queue, [{ entity: 'contact', rowId: 42 }], 500); */
export async function enqueuePush(
  queue: Queue<PushJob>,
  records: readonly PushJob[],
  delayMs: number,
): Promise<void> {
  if (records.length === 0) return;
  await queue.addBulk(
    records.map((r) => ({
      name: 'push',
      data: r,
      opts: { jobId: `push-${r.entity}-${r.rowId}`, delay: delayMs },
    })),
  );
}

export interface OutboxListener {
  /** Whether it is listening (also the gauge `intercom_sync_outbox_listener_connected`). */
  status(): OutboxChannelStatus;
  close(): Promise<void>;
}

/**
 * @example const listener = await listenForOutbox({ url, queue, log, delayMs: 500 });
 */
export async function listenForOutbox(options: {
  url: string;
  queue: Queue<PushJob>;
  log: Logger;
  delayMs: number;
  metrics?: Metrics | undefined;
  /** What reconnect waits are slept on. Default the wall clock. */
  clock?: Clock | undefined;
  /** First wait before a reconnect, doubled per failure up to maxRetryMs (1 s, 30 s). */
  retryMs?: number;
  maxRetryMs?: number;
}): Promise<OutboxListener> {
  const { queue, log, delayMs } = options;
  let pending = new Map<string, PushJob>();
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    const batch = [...pending.values()];
    pending = new Map();
    enqueuePush(queue, batch, delayMs).catch((error: unknown) =>
      log.warn(
        { err: (error as Error).message, records: batch.length },
        'could not enqueue pushes; the sweeper will',
      ),
    );
  };
  const channel = await listenToOutbox({
    url: options.url,
    log,
    onStatus: (status) => options.metrics?.outboxListenerConnected.set(status.connected ? 1 : 0),
    ...(options.clock && { clock: options.clock }),
    ...(options.retryMs !== undefined && { retryMs: options.retryMs }),
    ...(options.maxRetryMs !== undefined && { maxRetryMs: options.maxRetryMs }),
    onChange: (record) => {
      pending.set(record.key, { entity: record.entity as PushJob['entity'], rowId: record.rowId });
      timer ??= setTimeout(flush, 20);
    },
  });
  return {
    status: () => channel.status(),
    async close() {
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      await channel.close();
    },
  };
}
