import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { buildHttpServer } from '../../src/http/server.js';
import { signBody } from '../../src/http/signature.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { createMigratedTestDatabase } from '../support/harness-env.js';

const secret = 'test-client-secret';
let target: TestDatabase;
let db: Kysely<Database>;
let app: FastifyInstance;
let base: string;
const enqueued: string[] = [];
let redisUp = true;

function notification(id: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'notification_event',
    id,
    topic: 'contact.user.updated',
    app_id: 'abc123',
    created_at: 1_732_406_400,
    delivery_attempts: 1,
    data: {
      type: 'notification_event_data',
      item: { type: 'contact', id: '65f0c0ffee', updated_at: 1_732_406_400 },
    },
    ...overrides,
  };
}

async function deliver(
  body: string,
  headers: Record<string, string> = { 'x-hub-signature': signBody(body, secret) },
) {
  const response = await fetch(`${base}/webhooks/intercom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const storedCount = async () =>
  Number(
    (
      await db
        .selectFrom('intercom_sync.webhook_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  target = await createMigratedTestDatabase('webhooks');
  db = createDatabase({ url: target.url });
  app = await buildHttpServer({
    db,
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clientSecret: secret,
    bodyLimitBytes: 64 * 1024,
    enqueue: async (_id, notificationId) => {
      if (!redisUp) throw new Error('redis down');
      enqueued.push(notificationId);
    },
    readyChecks: [{ name: 'redis', check: async () => redisUp }],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app.close();
  await db.destroy();
  await target.drop();
});

describe('POST /webhooks/intercom', () => {
  it('stores a signed notification and hands it to the workers', async () => {
    const response = await deliver(JSON.stringify(notification('notif_1')));
    expect(response).toEqual({ status: 200, body: { received: true, duplicate: false } });
    const row = await db
      .selectFrom('intercom_sync.webhook_events')
      .selectAll()
      .where('notification_id', '=', 'notif_1')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      topic: 'contact.user.updated',
      item_id: '65f0c0ffee',
      status: 'received',
      app_id: 'abc123',
    });
    expect(enqueued).toContain('notif_1');
  });

  it('acknowledges a redelivered notification without storing or enqueueing it again', async () => {
    const body = JSON.stringify(notification('notif_2'));
    await deliver(body);
    const before = enqueued.length;
    const again = await deliver(JSON.stringify({ ...notification('notif_2'), delivery_attempts: 2 }));
    expect(again).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(enqueued.length).toBe(before);
    const rows = await db
      .selectFrom('intercom_sync.webhook_events')
      .select('id')
      .where('notification_id', '=', 'notif_2')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('stores a burst of deliveries arriving together once each, a copy inside the burst answered as a duplicate', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `notif_burst_${i}`);
    const bodies = [...ids, 'notif_burst_7'].map((id) => JSON.stringify(notification(id)));
    const answers = await Promise.all(bodies.map((body) => deliver(body)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // Exactly one of the two copies of notif_burst_7 is new; which one depends on arrival.
    expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(1);
    const rows = await db
      .selectFrom('intercom_sync.webhook_events')
      .select('notification_id')
      .where('notification_id', 'like', 'notif_burst_%')
      .execute();
    expect(rows.map((r) => r.notification_id).sort()).toEqual([...ids].sort());
    expect(enqueued.filter((n) => n.startsWith('notif_burst_')).sort()).toEqual([...ids].sort());
    // Which deliveries share an insert depends on arrival; test/group-commit.test.ts holds how they
    // are grouped, on writes finished by hand.
  });

  it('rejects a missing, wrong or differently-hashed signature with 401 and stores nothing', async () => {
    const body = JSON.stringify(notification('notif_bad'));
    const before = await storedCount();
    const missing = await deliver(body, {});
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/X-Hub-Signature header is missing/);
    const wrong = await deliver(body, { 'x-hub-signature': signBody(body, 'another-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/does not match/);
    const tampered = await deliver(body.replace('65f0c0ffee', '65f0c0ffef'), {
      'x-hub-signature': signBody(body, secret),
    });
    expect(tampered.status).toBe(401);
    const sha256 = await deliver(body, { 'x-hub-signature': 'sha256=' + 'ab'.repeat(32) });
    expect(sha256.status).toBe(401);
    expect(sha256.body.error).toMatch(/uses sha256, but Intercom signs with sha1/);
    expect(await storedCount()).toBe(before);
  });

  it('rejects malformed JSON and non-notifications with 400 saying why', async () => {
    const before = await storedCount();
    const broken = await deliver('{"type":"notification_event",');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/not valid JSON/);
    const noId = await deliver(JSON.stringify({ ...notification('x'), id: undefined }));
    expect(noId.status).toBe(400);
    expect(noId.body.error).toMatch(/id/);
    expect(await storedCount()).toBe(before);
  });

  it('acknowledges a live ping, whose id is null, and stores it once as ignored with its reason', async () => {
    const ping = notification('unused', {
      id: null,
      topic: 'ping',
      delivery_status: null,
      data: { type: 'notification_event_data', item: { type: 'ping', message: 'hello' } },
    });
    const body = JSON.stringify(ping);
    expect(await deliver(body)).toEqual({ status: 200, body: { received: true, ping: true } });
    // The same ping again (Intercom's retry) is answered alike and stored once.
    expect(await deliver(body)).toEqual({ status: 200, body: { received: true, ping: true } });
    const rows = await db
      .selectFrom('intercom_sync.webhook_events')
      .select(['notification_id', 'status', 'error', 'item_type'])
      .where('topic', '=', 'ping')
      .execute();
    expect(rows).toEqual([
      {
        notification_id: expect.stringMatching(/^ping:[0-9a-f]{40}$/),
        status: 'ignored',
        error: 'a ping carries no record',
        item_type: 'ping',
      },
    ]);
    expect(enqueued.filter((n) => n.startsWith('ping:'))).toEqual([]);
    // Any other topic still needs its id.
    const noId = await deliver(JSON.stringify({ ...ping, topic: 'contact.user.updated' }));
    expect(noId.status).toBe(400);
  });

  it('rejects a body over the size limit with 413', async () => {
    const big = JSON.stringify(notification('notif_big', { padding: 'x'.repeat(70 * 1024) }));
    const response = await deliver(big);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatch(/larger than the 65536 bytes/);
  });

  it('keeps a notification when the queue is down, so the sweeper can apply it later', async () => {
    redisUp = false;
    try {
      const response = await deliver(JSON.stringify(notification('notif_while_redis_down')));
      expect(response.status).toBe(200);
      const row = await db
        .selectFrom('intercom_sync.webhook_events')
        .select('status')
        .where('notification_id', '=', 'notif_while_redis_down')
        .executeTakeFirst();
      expect(row?.status).toBe('received');
    } finally {
      redisUp = true;
    }
  });

  it('answers HEAD with 200 for Intercom’s URL check', async () => {
    const response = await fetch(`${base}/webhooks/intercom`, { method: 'HEAD' });
    expect(response.status).toBe(200);
  });
});

describe('signed deliveries Postgres could not store as sent (issue 12)', () => {
  const stored = (id: string) =>
    db
      .selectFrom('intercom_sync.webhook_events')
      .select(['payload', 'notified_at', 'item_id', 'status'])
      .where('notification_id', '=', id)
      .executeTakeFirst();

  it('a NUL anywhere, even in a key, is stored as U+FFFD and acknowledged', async () => {
    const n = notification('notif_nul', {
      data: {
        item: {
          type: 'contact',
          id: 'c\u0000nul',
          name: 'Ada\u0000Lovelace',
          custom_attributes: { 'k\u0000': 1 },
        },
      },
    });
    expect(await deliver(JSON.stringify(n))).toEqual({
      status: 200,
      body: { received: true, duplicate: false },
    });
    const row = await stored('notif_nul');
    expect(row?.item_id).toBe('c\uFFFDnul');
    expect(row?.payload).toMatchObject({
      data: { item: { name: 'Ada\uFFFDLovelace', custom_attributes: { 'k\uFFFD': 1 } } },
    });
  });

  it('a lone surrogate is stored as U+FFFD; a well-formed pair is kept', async () => {
    const n = notification('notif_surrogate', {
      data: { item: { type: 'contact', id: 'c1', name: 'broken \ud800 here', email: 'pair \ud83d\ude00' } },
    });
    // JSON.stringify writes the lone surrogate as the escape `\ud800`, as a sender's JSON would.
    const body = JSON.stringify(n);
    expect(body).toContain('\\ud800');
    expect((await deliver(body)).status).toBe(200);
    expect((await stored('notif_surrogate'))?.payload).toMatchObject({
      data: { item: { name: 'broken \uFFFD here', email: 'pair \u{1F600}' } },
    });
  });

  it('a created_at no timestamp column holds (1e13) is stored, without a notified_at', async () => {
    const n = notification('notif_far', { created_at: 1e13 });
    n.data.item = { ...n.data.item, updated_at: 1e13 } as typeof n.data.item;
    expect((await deliver(JSON.stringify(n))).status).toBe(200);
    expect(await stored('notif_far')).toMatchObject({ notified_at: null, status: 'received' });
  });

  it('arrays nested thousands deep are refused with 400 saying why, and nothing is stored', async () => {
    const before = await storedCount();
    const deep = JSON.stringify(notification('notif_deep')).replace(
      '"delivery_attempts":1',
      `"delivery_attempts":1,"deep":${'['.repeat(5000)}${']'.repeat(5000)}`,
    );
    const answer = await deliver(deep);
    expect(answer).toEqual({
      status: 400,
      body: { error: 'the notification cannot be stored: the body nests deeper than 64 levels' },
    });
    expect(await storedCount()).toBe(before);
  });

  it('an empty body with a valid signature gets a 400 that says the body is empty', async () => {
    const response = await fetch(`${base}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'x-hub-signature': signBody('', secret) },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'the body is empty: an Intercom notification is a JSON object',
    });
    // Without a signature it is still the signature that is refused.
    const unsigned = await fetch(`${base}/webhooks/intercom`, { method: 'POST' });
    expect(unsigned.status).toBe(401);
  });

  it('a notification id too long for the unique index is refused with 400, not a database error', async () => {
    const answer = await deliver(JSON.stringify(notification('n'.repeat(5000))));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('not an Intercom notification: id must not be longer than 255 characters');
  });

  it('when the store itself fails, the answer is 503 and carries no database message', async () => {
    // A database without the schema: every insert fails in Postgres, as a real outage would.
    const bare = await createTestDatabase('webhooks_bare');
    const bareDb = createDatabase({ url: bare.url });
    const server = await buildHttpServer({
      db: bareDb,
      log: createLogger({ level: 'silent' }),
      metrics: createMetrics({ defaults: false }),
      clientSecret: secret,
      enqueue: async () => undefined,
      readyChecks: [],
    });
    try {
      const body = JSON.stringify(notification('notif_no_table'));
      const answer = await server.inject({
        method: 'POST',
        url: '/webhooks/intercom',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signBody(body, secret) },
        payload: body,
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toEqual({
        error: 'the notification could not be stored right now; deliver it again later',
      });
      expect(answer.body).not.toMatch(/relation|webhook_events|does not exist/);
    } finally {
      await server.close();
      await bareDb.destroy();
      await bare.drop();
    }
  });
});

describe('/ready and /metrics', () => {
  it('/ready is 503 naming the failed check while a dependency is down', async () => {
    redisUp = false;
    const down = await fetch(`${base}/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ready: false, checks: { redis: false } });
    redisUp = true;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it('/metrics counts received, duplicate and rejected webhooks', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/intercom_sync_webhooks_total\{outcome="received"\} [1-9]/);
    expect(text).toMatch(/intercom_sync_webhooks_total\{outcome="duplicate"\} [1-9]/);
    expect(text).toMatch(/intercom_sync_webhooks_total\{outcome="rejected"\} [1-9]/);
  });
});
