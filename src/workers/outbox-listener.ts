// Wakes the pusher: LISTEN for the capture trigger's pg_notify and add one push job per record.
// The job id names the record and the job waits a moment, so a burst of edits becomes one push.
// Notifications can be missed (listener down, Redis flushed): the sweeper covers those.
import pg from 'pg';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { PushJob } from './queues.js';

export const OUTBOX_CHANNEL = 'intercom_sync_outbox';

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
}): Promise<OutboxListener> {
  const { queue, log, delayMs } = options;
  let client: pg.Client | undefined;
  let closed = false;
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
  const connect = async (): Promise<void> => {
    client = new pg.Client({
      connectionString: options.url,
      application_name: 'intercom-sync outbox listener',
    });
    client.on('notification', (message) => {
      const [entity, rowId] = (message.payload ?? '').split(':');
      if (!entity || !rowId) return;
      pending.set(message.payload!, { entity: entity as PushJob['entity'], rowId: Number(rowId) });
      timer ??= setTimeout(flush, 20);
    });
    client.on('error', (error) => {
      log.warn({ err: error.message }, 'outbox listener lost its connection; reconnecting');
      void client?.end().catch(() => undefined);
      if (!closed) setTimeout(() => void connect().catch(() => undefined), 1_000).unref();
    });
    await client.connect();
    await client.query(`listen ${OUTBOX_CHANNEL}`);
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      await client?.end().catch(() => undefined);
    },
  };
}
