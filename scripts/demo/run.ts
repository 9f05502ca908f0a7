// `npm run demo`: the daemon doing its job on the bundled sandbox, step by step. It starts the
// sandbox and the daemon (webhooks on), runs the first full sync, then shows an edit made in
// Intercom arriving by webhook, SQL edits arriving in Intercom, a field edited on both sides and
// how it was settled, `status`, and `verify` clean; it stops everything it started. Every step
// waits on state (a row, a sandbox record, an empty backlog), never on a pause, and the demo
// exits non-zero only when a step really failed.
//   DATABASE_URL, REDIS_URL, REDIS_PREFIX (set by scripts/demo.sh), DEMO_CONTACTS (5000),
//   DEMO_COMPANIES (500), DEMO_LATENCY_MS (20)
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { openMirror, printRows, type Mirror } from './mirror.js';
import { demoCli, type Background } from './processes.js';
import { sandboxApi, type SandboxApi } from './sandbox-api.js';
import { DemoError, until } from './until.js';

const TOKEN = 'sandbox-token';
const SECRET = 'demo-client-secret';
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const say = (text: string) => console.log(`\n${bold(`== ${text}`)}`);
const note = (text: string) => console.log(`  ${text}`);
const since = (start: number) => `${Math.round(performance.now() - start)} ms`;

function setting(name: string, fallback: string): string {
  const value = process.env[name] ?? fallback;
  if (!/^\d+$/.test(value)) throw new DemoError(`${name} takes a whole number; got '${value}'`);
  return value;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new DemoError(`${name} is not set (scripts/demo.sh sets it; run \`npm run demo\`)`);
  return value;
}

const started: Background[] = [];
let mirror: Mirror | undefined;

async function main(): Promise<void> {
  const contacts = setting('DEMO_CONTACTS', '5000');
  const companies = setting('DEMO_COMPANIES', '500');
  const latency = setting('DEMO_LATENCY_MS', '20');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: required('DATABASE_URL'),
    REDIS_URL: required('REDIS_URL'),
    REDIS_PREFIX: required('REDIS_PREFIX'),
  };
  const cli = demoCli(env);

  say('intercom-pg-sync migrate');
  await cli.run(['migrate']);

  say(`the sandbox: ${contacts} contacts, ${companies} companies, ${latency} ms latency, 10,000 calls/min`);
  const sandboxArgs = ['sandbox', '--port', '0', '--contacts', contacts, '--companies', companies];
  sandboxArgs.push('--seed', '1', '--latency-ms', latency, '--rate-limit', '10000');
  sandboxArgs.push('--webhook-secret', SECRET, '--webhook-retry-delay-ms', '1000');
  const sandboxProcess = await cli.start('sandbox', sandboxArgs, /^listening on (\S+)/);
  started.push(sandboxProcess);
  const sandboxUrl = sandboxProcess.match[1]!;
  const sandbox = sandboxApi(sandboxUrl, TOKEN);
  const { admins } = await sandbox.api<{ admins: { id: string }[] }>('/admins');

  Object.assign(env, {
    INTERCOM_BASE_URL: sandboxUrl,
    INTERCOM_TOKEN: TOKEN,
    INTERCOM_CLIENT_SECRET: SECRET,
    INTERCOM_ADMIN_ID: admins[0]!.id,
    RATE_LIMIT_PER_MINUTE: '10000',
    PORT: '0',
  });

  say('intercom-pg-sync daemon (workers, webhooks; schedules off: the demo runs the first sync itself)');
  const daemon = await cli.start(
    'daemon',
    ['--log-format', 'text', 'daemon', '--host', '127.0.0.1', '--no-schedule', '--grace-ms', '5000'],
    /listening on (http\S+)/,
  );
  started.push(daemon);
  const webhookUrl = `${daemon.match[1]!}/webhooks/intercom`;
  await sandbox.control('PATCH', '/settings', { webhookUrl });
  note(`the sandbox now sends its webhooks to ${webhookUrl}`);

  say('intercom-pg-sync sync full (the first sync; the daemon runs it nightly)');
  await cli.run(['sync', 'full']);
  mirror = await openMirror(env.DATABASE_URL!);
  await showMirror(mirror);

  const [ada, grace, both] = await mirror.query<{ id: number; intercom_id: string; name: string }>(`
    select id, intercom_id, name from intercom.contacts
     where deleted_at is null and archived = false and role = 'user' and email is not null
     order by id limit 3`);
  if (!ada || !grace || !both) throw new DemoError('the full sync left fewer than three users to edit');

  say('an agent edits a contact in Intercom; the webhook brings it to Postgres');
  const remoteName = 'Ada Lovelace (edited in Intercom)';
  const start = performance.now();
  await sandbox.control('PATCH', `/contacts/${ada.intercom_id}`, { name: remoteName });
  await until('the edit to reach Postgres by webhook', () =>
    mirror!.one(`select 1 from intercom.contacts where id = $1 and name = $2`, [ada.id, remoteName]),
  );
  note(`in Postgres ${since(start)} after the edit in Intercom:`);
  printRows(
    await mirror.query(`select intercom_id, name, updated_at from intercom.contacts where id = $1`, [ada.id]),
  );

  say('the app writes to Postgres; the daemon pushes each change to Intercom');
  await writeToIntercom(mirror, sandbox, grace);

  say('the same field edited on both sides before either reached the other');
  await bothSides(mirror, sandbox, both, env);

  await settled(mirror, sandbox);
  say('intercom-pg-sync status');
  await cli.run(['status']);

  say('intercom-pg-sync verify (reads all of Intercom and compares it with Postgres)');
  await cli.run(['verify']);

  say('stopping the daemon and the sandbox');
  await stopAll();
  console.log(`\n${bold('demo finished: Postgres and Intercom agree')}`);
}

async function showMirror(db: Mirror): Promise<void> {
  note('what is in Postgres now:');
  printRows(
    await db.query(`
      select 'contacts' as table, count(*) filter (where deleted_at is null) as live, count(*) as rows from intercom.contacts
      union all select 'companies', count(*) filter (where deleted_at is null), count(*) from intercom.companies
      union all select 'tags', count(*) filter (where deleted_at is null), count(*) from intercom.tags
      union all select 'segments', count(*) filter (where deleted_at is null), count(*) from intercom.segments
      union all select 'notes', count(*) filter (where deleted_at is null), count(*) from intercom.notes
      union all select 'contact_companies', count(*), count(*) from intercom.contact_companies
      union all select 'contact_tags', count(*), count(*) from intercom.contact_tags`),
  );
  note('a join you could not run against the API:');
  printRows(
    await db.query(`
      select c.name, c.email, c.role, co.name as company, count(t.tag_id)::int as tags
        from intercom.contacts c
        left join intercom.contact_companies cc on cc.contact_id = c.id
        left join intercom.companies co on co.id = cc.company_id
        left join intercom.contact_tags t on t.contact_id = c.id
       where c.deleted_at is null
       group by c.id, co.id order by count(t.tag_id) desc, c.id limit 5`),
  );
}

interface Contact {
  readonly id: number;
  readonly intercom_id: string;
}

interface RemoteContact {
  readonly name: string | null;
  readonly custom_attributes: Record<string, unknown>;
  readonly notes: { readonly total_count: number };
}

async function writeToIntercom(db: Mirror, sandbox: SandboxApi, contact: Contact): Promise<void> {
  const name = 'Grace Hopper (edited in Postgres)';
  note(`update intercom.contacts set name = '${name}', plan_tier = 'gold' …`);
  let start = performance.now();
  await db.query(
    `update intercom.contacts set name = $2, custom_attributes = custom_attributes || '{"plan_tier": "gold"}'
      where id = $1`,
    [contact.id, name],
  );
  const updated = await until('the update to reach Intercom', async () => {
    const remote = await sandbox.api<RemoteContact>(`/contacts/${contact.intercom_id}`);
    return remote.name === name && remote.custom_attributes.plan_tier === 'gold' && remote;
  });
  note(
    `in Intercom ${since(start)} later: name '${updated.name}', plan_tier '${String(updated.custom_attributes.plan_tier)}'`,
  );

  const email = `new-lead-${Date.now()}@example.com`;
  note(`insert into intercom.contacts (role, email, name) values ('lead', '${email}', 'New Lead')`);
  start = performance.now();
  const [lead] = await db.query<{ id: number }>(
    `insert into intercom.contacts (role, email, name) values ('lead', $1, 'New Lead') returning id`,
    [email],
  );
  const created = await until('the new lead to be created in Intercom', () =>
    db.one<{ intercom_id: string }>(
      `select intercom_id from intercom.contacts where id = $1 and intercom_id is not null`,
      [lead!.id],
    ),
  );
  await sandbox.api(`/contacts/${created.intercom_id}`);
  note(
    `created in Intercom ${since(start)} later as ${created.intercom_id}; Postgres row ${lead!.id} now carries that id`,
  );

  const before = (await sandbox.api<RemoteContact>(`/contacts/${contact.intercom_id}`)).notes.total_count;
  note(`insert into intercom.notes (contact_id, body) values (${contact.id}, '<p>Written in Postgres</p>')`);
  start = performance.now();
  const [row] = await db.query<{ id: number }>(
    `insert into intercom.notes (contact_id, body) values ($1, '<p>Written in Postgres</p>') returning id`,
    [contact.id],
  );
  await until('the note to be created in Intercom', () =>
    db.one(`select 1 from intercom.notes where id = $1 and intercom_id is not null`, [row!.id]),
  );
  const after = (await sandbox.api<RemoteContact>(`/contacts/${contact.intercom_id}`)).notes.total_count;
  note(`in Intercom ${since(start)} later: the contact has ${after} note(s), ${before} before`);
}

/**
 * Holds the push queue (as an operator can from /dashboard) so a local edit is still waiting when
 * an agent's edit of the same field arrives by webhook; then lets it go and shows the decision.
 * The agent's edit is made 2 s later on Intercom's clock, so under the default policy
 * (newest-wins) Intercom's value is the later one and stays, whatever the timing of this machine.
 */
async function bothSides(
  db: Mirror,
  sandbox: SandboxApi,
  contact: Contact,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await settled(db, sandbox);
  const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
  const push = new Queue('push', { connection: redis, prefix: env.REDIS_PREFIX! });
  try {
    await push.pause();
    const [{ now }] = (await db.query<{ now: Date }>('select now()')) as [{ now: Date }];
    note("update intercom.contacts set name = 'Set in Postgres' (its push held for a moment)");
    await db.query(`update intercom.contacts set name = 'Set in Postgres' where id = $1`, [contact.id]);
    const { clockOffsetSeconds } = await sandbox.control<{ clockOffsetSeconds: number }>('GET', '/settings');
    await sandbox.control('PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + 2 });
    note("an agent sets the same contact's name to 'Set in Intercom', a little later");
    await sandbox.control('PATCH', `/contacts/${contact.intercom_id}`, { name: 'Set in Intercom' });
    await until('the agent’s edit to arrive by webhook', async () => {
      if (!(await sandbox.deliveriesSettled())) return false;
      if (!(await db.webhooksApplied())) return false;
      return db.one(`select 1 from intercom_sync.webhook_events where item_id = $1 and received_at > $2`, [
        contact.intercom_id,
        now,
      ]);
    });
    await push.resume();
    const conflict = await until('the push to settle the conflict', () =>
      db.one<{ id: number; local_value: unknown; remote_value: unknown; decision: string; policy: string }>(
        `select id, local_value, remote_value, decision, policy from intercom_sync.conflicts
          where row_id = $1 and field = 'name' and status = 'settled'`,
        [contact.id],
      ),
    );
    await settled(db, sandbox);
    note(
      `settled by ${conflict.policy}: ${conflict.decision} value kept (conflict #${conflict.id}); both sides now say:`,
    );
    const remote = await sandbox.api<RemoteContact>(`/contacts/${contact.intercom_id}`);
    const local = await db.one<{ name: string }>(`select name from intercom.contacts where id = $1`, [
      contact.id,
    ]);
    note(`Postgres '${local!.name}', Intercom '${remote.name}'`);
    note(
      `(\`intercom-pg-sync conflicts list\` shows every decision; \`conflicts resolve ${conflict.id} --take local\` re-decides this one)`,
    );
  } finally {
    await push.close();
    redis.disconnect();
  }
}

/** Every webhook delivered and applied, every local change pushed: nothing more on its way. */
async function settled(db: Mirror, sandbox: SandboxApi): Promise<void> {
  await until('the webhooks and pushes in flight to finish', async () => {
    if (!(await db.idle()) || !(await sandbox.deliveriesSettled())) return false;
    // A delivery acknowledged just now is stored but maybe not yet applied: look once more.
    return db.idle();
  });
}

async function stopAll(): Promise<void> {
  await mirror?.close();
  mirror = undefined;
  while (started.length > 0) await started.pop()!.stop();
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`\ndemo failed: ${message}`);
  if (!(error instanceof DemoError) && error instanceof Error) console.error(error.stack);
  for (const child of started) child.kill();
  await mirror?.close().catch(() => undefined);
  process.exitCode = 1;
}
