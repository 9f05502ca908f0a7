// The daemon's settings are checked before it starts (one sentence naming the setting), and its
// logs never carry the access token, the client secret or a webhook signature.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/http/signature.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  deliver,
  eventually,
  notification,
  startDaemonHarness,
  type DaemonHarness,
} from '../support/daemon-harness.js';
import { spawnCli } from '../support/cli.js';

const TOKEN = 'tok_SECRET_7f3a9c1e';
const WRONG_TOKEN = 'tok_SECRET_wrong_5b2d';
const CLIENT_SECRET = 'whsec_SECRET_c4d8e2';
const DASHBOARD_PASSWORD = 'dash_SECRET_91b7e0';
const METRICS_TOKEN = 'metrics_SECRET_3e8a7f2d';

describe('intercom-pg-sync daemon checks its settings at start-up', () => {
  const base = {
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    REDIS_URL: 'redis://127.0.0.1:1',
    INTERCOM_TOKEN: 'token',
    INTERCOM_CLIENT_SECRET: 'secret',
    PORT: '0',
  };

  async function start(env: Record<string, string>) {
    const cli = spawnCli(['daemon'], env);
    const exit = await cli.exited;
    return { ...exit, stderr: cli.output.stderr.trim() };
  }

  it('refuses to start without INTERCOM_CLIENT_SECRET, saying so in one sentence', async () => {
    const result = await start({ ...base, INTERCOM_CLIENT_SECRET: '' });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      "intercom-pg-sync: INTERCOM_CLIENT_SECRET is not set: webhook signatures are checked with your app's client secret.",
    ]);
  });

  it('refuses a PORT that is not a number, naming PORT', async () => {
    const result = await start({ ...base, PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toEqual(['intercom-pg-sync: PORT must be a number.']);
  });
});

describe('the daemon’s logs', () => {
  let h: DaemonHarness;
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });

  beforeAll(async () => {
    h = await startDaemonHarness({
      sandbox: { token: TOKEN },
      env: {
        INTERCOM_TOKEN: TOKEN,
        INTERCOM_CLIENT_SECRET: CLIENT_SECRET,
        DASHBOARD_PASSWORD,
        METRICS_TOKEN,
        HTTP_MAX_RETRIES: '0',
      },
    });
  });
  afterAll(() => h?.close());

  it('never contain the token, the client secret or a signature, while saying what happened', async () => {
    const log = createLogger({ level: 'trace' }, destination);
    const daemon = await h.startDaemon({ log });
    // A good delivery, one signed with another secret, a sync, and a sync whose token is refused.
    const good = notification('ping', { type: 'ping' });
    const goodSignature = signBody(JSON.stringify(good), CLIENT_SECRET);
    expect((await deliver(daemon, good, CLIENT_SECRET)).status).toBe(200);
    expect((await deliver(daemon, notification('ping', { type: 'ping' }), 'another-secret')).status).toBe(
      401,
    );
    const synced = await daemon.queues.sync.add('incremental', { trigger: 'manual' }, { attempts: 1 });
    await eventually(async () => (await synced.getState()) === 'completed', 'the sync');

    const refused = await h.startDaemon({ log, env: { INTERCOM_TOKEN: WRONG_TOKEN } });
    await daemon.close();
    const failing = await refused.queues.sync.add('incremental', { trigger: 'manual' }, { attempts: 1 });
    await eventually(async () => (await failing.getState()) === 'failed', 'the refused sync');
    // What a careless log line could carry: the settings and a request's headers.
    log.info(
      {
        config: refused.runtime.config,
        headers: { authorization: `Bearer ${WRONG_TOKEN}`, 'x-hub-signature': goodSignature },
      },
      'settings and headers',
    );
    await refused.close();

    const output = lines.join('');
    expect(output).toMatch(/"msg":"daemon started"/);
    expect(output).toMatch(/"msg":"webhook rejected"/);
    expect(output).toMatch(/"msg":"job failed"/);
    expect(output).toMatch(/"INTERCOM_TOKEN":"\[redacted\]"/);
    expect(output).toMatch(/"INTERCOM_CLIENT_SECRET":"\[redacted\]"/);
    expect(output).toMatch(/"authorization":"\[redacted\]"/);
    expect(output).toMatch(/"DASHBOARD_PASSWORD":"\[redacted\]"/);
    for (const secret of [
      TOKEN,
      WRONG_TOKEN,
      CLIENT_SECRET,
      DASHBOARD_PASSWORD,
      METRICS_TOKEN,
      goodSignature.slice(5),
    ]) {
      expect(output.includes(secret), `the logs contain ${secret}`).toBe(false);
    }
  });
});
