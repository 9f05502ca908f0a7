// The channel the capture trigger notifies on (pg_notify, payload `<entity>:<row id>`) and a LISTEN
// connection to it that keeps reconnecting, with backoff, for as long as it is open. Notifications
// can be missed while it is down: the sweeper finds those changes in the outbox table.
import pg from 'pg';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock/clock.js';

export const OUTBOX_CHANNEL = 'intercom_sync_outbox';

/** Whether the LISTEN connection is up, and how often in a row it has failed to come back. */
export interface OutboxChannelStatus {
  readonly connected: boolean;
  /** Failed reconnect attempts since the connection was lost (0 while connected). */
  readonly failedAttempts: number;
  readonly lastError: string | null;
}

export interface OutboxChannel {
  status(): OutboxChannelStatus;
  close(): Promise<void>;
}

/** A record the trigger says has new local changes. */
export interface ChangedRecord {
  readonly entity: string;
  readonly rowId: number;
  /** The notification's payload as sent, `<entity>:<row id>` (the same for every change of a record). */
  readonly key: string;
}

export interface ListenOptions {
  readonly url: string;
  readonly log: Logger;
  readonly onChange: (record: ChangedRecord) => void;
  /** Called whenever the status changes (a metric, a health check). */
  readonly onStatus?: (status: OutboxChannelStatus) => void;
  /** What the waits between reconnect attempts are slept on. Default the wall clock. */
  readonly clock?: Clock;
  /** The first wait after losing the connection (1 s), doubled after each failed attempt up to `maxRetryMs` (30 s). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/**
 * LISTENs on OUTBOX_CHANNEL on its own connection (not the pool's) and calls `onChange` per
 * notification; a payload that names no record is ignored. The first connection must succeed;
 * after that a lost connection is retried until `close()`, each failure logged.
 * @example const channel = await listenToOutbox({ url, log, onChange: (record) => pending.set(record.key, record) });
 */
export async function listenToOutbox(options: ListenOptions): Promise<OutboxChannel> {
  const { log, onChange } = options;
  const clock = options.clock ?? systemClock;
  const firstWait = options.retryMs ?? 1_000;
  const maxWait = options.maxRetryMs ?? 30_000;
  const stop = new AbortController();
  let client: pg.Client | undefined;
  let status: OutboxChannelStatus = { connected: false, failedAttempts: 0, lastError: null };
  const setStatus = (next: OutboxChannelStatus) => {
    status = next;
    options.onStatus?.(next);
  };

  const open = async (): Promise<void> => {
    const current = new pg.Client({
      connectionString: options.url,
      application_name: 'intercom-pg-sync outbox listener',
    });
    client = current;
    current.on('notification', (message) => {
      const [entity, rowId] = (message.payload ?? '').split(':');
      if (!entity || !rowId) return;
      onChange({ entity, rowId: Number(rowId), key: message.payload! });
    });
    let lost = false;
    const onLost = (error: Error) => {
      // 'error' and 'end' both arrive for one loss; a connection that never came up is the loop's.
      if (lost || stop.signal.aborted || !status.connected || client !== current) return;
      lost = true;
      void current.end().catch(() => undefined);
      setStatus({ connected: false, failedAttempts: 0, lastError: error.message });
      log.warn({ err: error.message }, 'outbox listener lost its connection; reconnecting');
      void reconnect();
    };
    current.on('error', onLost);
    current.on('end', () => onLost(new Error('the connection ended')));
    await current.connect();
    await current.query(`listen ${OUTBOX_CHANNEL}`);
  };

  /** Waits, tries, and waits twice as long after each failure, until connected or closed. */
  const reconnect = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const wait = Math.min(maxWait, firstWait * 2 ** attempt);
      try {
        await clock.sleep(wait, stop.signal);
      } catch {
        return; // closed
      }
      try {
        await open();
        setStatus({ connected: true, failedAttempts: 0, lastError: null });
        log.info({ attempts: attempt + 1 }, 'outbox listener reconnected');
        return;
      } catch (error) {
        await client?.end().catch(() => undefined);
        const message = (error as Error).message;
        setStatus({ connected: false, failedAttempts: attempt + 1, lastError: message });
        log.warn(
          {
            err: message,
            attempt: attempt + 1,
            retryInMs: Math.min(maxWait, firstWait * 2 ** (attempt + 1)),
          },
          'outbox listener cannot reconnect; retrying (until then pushes wait for the sweeper)',
        );
      }
    }
  };

  await open();
  setStatus({ connected: true, failedAttempts: 0, lastError: null });
  return {
    status: () => status,
    async close() {
      stop.abort();
      await client?.end().catch(() => undefined);
    },
  };
}
