// The companies scroll rules: one open scroll per workspace, expiry after idling, the end
// signalled by an empty page, and a mid-scroll network error that forces a restart. Idling is
// done by shifting the sandbox clock through the control API, at the live one-minute expiry.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, control, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  sandbox = await startSandbox({
    contacts: 50,
    companies: 250,
    seed: 4,
    rateLimit: 0,
    scrollExpirySeconds: 60,
  });
  api = apiClient(sandbox);
});
afterEach(() => {
  sandbox.workspace.scroll.reset();
  sandbox.updateSettings({ scrollFaultRate: 0 });
});
afterAll(async () => sandbox.close());

/** Lets `seconds` pass on the sandbox's clock. */
async function idle(seconds: number): Promise<void> {
  const { clockOffsetSeconds } = (await control(sandbox, 'GET', '/settings')).body;
  await control(sandbox, 'PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + seconds });
}

describe('companies scroll', () => {
  it('returns every company once, then an empty page that closes the scroll', async () => {
    const seen: string[] = [];
    let page = await api('GET', '/companies/scroll');
    while (page.body.data.length > 0) {
      expect(page.body.data.length).toBeLessThanOrEqual(100);
      seen.push(...page.body.data.map((c: any) => c.id));
      page = await api('GET', `/companies/scroll?scroll_param=${page.body.scroll_param}`);
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    // The parameter expired with the empty page; a new scroll may start.
    expect((await api('GET', `/companies/scroll?scroll_param=${page.body.scroll_param}`)).status).toBe(404);
    expect((await api('GET', '/companies/scroll')).status).toBe(200);
  });

  it('refuses a second scroll while one is open', async () => {
    expect((await api('GET', '/companies/scroll')).status).toBe(200);
    const second = await api('GET', '/companies/scroll');
    expect(second.status).toBe(400);
    expect(second.body.errors[0]).toEqual({
      code: 'scroll_exists',
      message: 'scroll already exists for this app',
    });
  });

  it('expires an idle scroll: its parameter answers 404 not_found and a new scroll may start', async () => {
    const first = await api('GET', '/companies/scroll');
    await idle(61);
    const stale = await api('GET', `/companies/scroll?scroll_param=${first.body.scroll_param}`);
    expect(stale.status).toBe(404);
    expect(stale.body.errors[0].code).toBe('not_found');
    expect((await api('GET', '/companies/scroll')).status).toBe(200);
  });

  it('keeps a scroll alive while it is used within the expiry', async () => {
    let page = await api('GET', '/companies/scroll');
    // 80 s in all, but never 60 s idle.
    for (let i = 0; i < 2; i++) {
      await idle(40);
      page = await api('GET', `/companies/scroll?scroll_param=${page.body.scroll_param}`);
      expect(page.status).toBe(200);
    }
  });

  it('fails mid-scroll with the restart error, closing the scroll', async () => {
    const first = await api('GET', '/companies/scroll');
    sandbox.updateSettings({ scrollFaultRate: 1 });
    const failed = await api('GET', `/companies/scroll?scroll_param=${first.body.scroll_param}`);
    expect(failed.status).toBe(500);
    expect(failed.body.errors[0].message).toBe(
      'Request failed due to an internal network error. Please restart the scroll operation.',
    );
    sandbox.updateSettings({ scrollFaultRate: 0 });
    expect((await api('GET', `/companies/scroll?scroll_param=${first.body.scroll_param}`)).status).toBe(404);
    expect((await api('GET', '/companies/scroll')).status).toBe(200);
  });
});
