// One default per setting: a client built without options retries and times out as the config's
// defaults say, and the runtime's client takes HTTP_MAX_RETRIES from the config it was opened with.
import { afterEach, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/app/runtime.js';
import { loadConfig, SETTING_DEFAULTS } from '../../src/config/config.js';
import { IntercomClient } from '../../src/intercom/client.js';
import { IntercomApiError } from '../../src/intercom/errors.js';
import { redisUrl, uniqueName } from '../support/services.js';
import { errorBody, startFakeIntercom, type FakeIntercom } from './fake-intercom.js';

let server: FakeIntercom | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const unavailable = () => ({ status: 503, body: errorBody('service_unavailable', 'try later') });

describe('the Intercom client', () => {
  it('retries as many times as HTTP_MAX_RETRIES defaults to when not told otherwise', async () => {
    expect(SETTING_DEFAULTS.HTTP_MAX_RETRIES).toBe(loadConfig({}).HTTP_MAX_RETRIES);
    server = await startFakeIntercom(unavailable);
    const client = new IntercomClient({
      token: 't',
      baseUrl: server.url,
      retryMinDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    try {
      const error = await client.contacts.get('c1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntercomApiError);
      expect(server.requests).toHaveLength(1 + SETTING_DEFAULTS.HTTP_MAX_RETRIES);
    } finally {
      await client.close();
    }
  });

  it("the runtime's client retries as often as the config says", async () => {
    server = await startFakeIntercom(unavailable);
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        REDIS_URL: redisUrl(),
        REDIS_PREFIX: uniqueName('defaults'),
        INTERCOM_TOKEN: 't',
        INTERCOM_BASE_URL: server.url,
        RATE_LIMIT_PER_MINUTE: '100000',
        HTTP_MAX_RETRIES: '1',
        LOG_LEVEL: 'silent',
      },
      ['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN'],
    );
    const rt = await openRuntime(config);
    try {
      await expect(rt.intercom.contacts.get('c1')).rejects.toMatchObject({ status: 503 });
      expect(server.requests).toHaveLength(2);
    } finally {
      await rt.close();
    }
  });
});
