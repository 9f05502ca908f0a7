// The channel the capture trigger notifies on (pg_notify, payload `<entity>:<row id>`) and a LISTEN
// connection to it that reconnects after losing the server. Notifications can be missed while it is
// down: the sweeper finds those changes in the outbox table.
import pg from 'pg';
import type { Logger } from 'pino';

export const OUTBOX_CHANNEL = 'intercom_sync_outbox';

export interface OutboxChannel {
  close(): Promise<void>;
}

/** A record the trigger says has new local changes. */
export interface ChangedRecord {
  readonly entity: string;
  readonly rowId: number;
  /** The notification's payload as sent, `<entity>:<row id>` (the same for every change of a record). */
  readonly key: string;
}

/**
 * LISTENs on OUTBOX_CHANNEL on its own connection (not the pool's) and calls `onChange` per
 * notification; a payload that names no record is ignored.
 * @example const channel = await listenToOutbox({ url, log, onChange: (record) => pending.set(record.key, record) });
 */
export async function listenToOutbox(options: {
  readonly url: string;
  readonly log: Logger;
  readonly onChange: (record: ChangedRecord) => void;
}): Promise<OutboxChannel> {
  const { log, onChange } = options;
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    client = new pg.Client({
      connectionString: options.url,
      application_name: 'intercom-pg-sync outbox listener',
    });
    client.on('notification', (message) => {
      const [entity, rowId] = (message.payload ?? '').split(':');
      if (!entity || !rowId) return;
      onChange({ entity, rowId: Number(rowId), key: message.payload! });
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
      await client?.end().catch(() => undefined);
    },
  };
}
