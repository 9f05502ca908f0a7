// The rate limit: per-window budgets of limit/6 (limit/windows-per-minute with a short test
// window), headers on every authenticated response, the live 429, and nothing applied by a 429.
// The sandbox runs on a manual clock, so a window changes only when a test moves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { ManualClock } from '../support/manual-clock.js';
import { apiClient, control, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;
const clock = new ManualClock();

beforeAll(async () => {
  sandbox = await startSandbox(
    { contacts: 30, companies: 3, seed: 2, rateLimit: 600, rateWindowMs: 1000 },
    { now: () => clock.now() },
  );
  api = apiClient(sandbox);
});
afterAll(async () => sandbox.close());

/**
 * Moves time to the start of the sandbox's next window (its clock is this one plus any offset a
 * test set), so a test's calls all fall into a fresh one.
 */
async function freshWindow(windowMs = 1000): Promise<void> {
  const { clockOffsetSeconds } = (await control(sandbox, 'GET', '/settings')).body;
  const now = clock.now() + clockOffsetSeconds * 1000;
  await clock.advance((Math.floor(now / windowMs) + 1) * windowMs - now);
}

describe('rate limit', () => {
  it('uses the live 10-second window by default: 1000/min is 166 per window', async () => {
    const live = await startSandbox({ contacts: 1, companies: 1 }, { now: () => clock.now() });
    try {
      const response = await apiClient(live)('GET', '/me');
      expect(response.headers.get('x-ratelimit-limit')).toBe('166');
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      expect(reset % 10).toBe(0);
      expect(reset - clock.now() / 1000).toBeGreaterThan(0);
      expect(reset - clock.now() / 1000).toBeLessThanOrEqual(10);
    } finally {
      await live.close();
    }
  });

  it('sends the headers on every authenticated response and counts down', async () => {
    await freshWindow();
    const a = await api('GET', '/contacts?per_page=1');
    const b = await api('GET', '/tags');
    expect(a.headers.get('x-ratelimit-limit')).toBe('10');
    expect(
      Number(a.headers.get('x-ratelimit-remaining')) - Number(b.headers.get('x-ratelimit-remaining')),
    ).toBe(1);
    const { clockOffsetSeconds } = (await control(sandbox, 'GET', '/settings')).body;
    expect(Number(a.headers.get('x-ratelimit-reset'))).toBe(clock.now() / 1000 + clockOffsetSeconds + 1);
    const notFound = await api('GET', '/contacts/nope');
    expect(notFound.headers.get('x-ratelimit-remaining')).not.toBeNull();
  });

  it('sends no rate-limit headers without valid credentials', async () => {
    const response = await api('GET', '/contacts', undefined, { token: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers 429 with the live body once the window is spent, applies nothing, and recovers next window', async () => {
    await freshWindow();
    for (let i = 0; i < 10; i++) expect((await api('GET', '/me')).status).toBe(200);
    const before = sandbox.store.contacts.size;
    const limited = await api('POST', '/contacts', { role: 'user', email: 'limited@example.com' });
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0]).toEqual({
      code: 'rate_limit_exceeded',
      message: 'Exceeded rate limit of 10 in 1_seconds',
    });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('10');
    expect(sandbox.store.contacts.size).toBe(before);
    // Control endpoints are not rate limited.
    expect((await control(sandbox, 'GET', '/stats')).status).toBe(200);
    // Still limited until the window ends; the first call of the next one goes through.
    await clock.advance(999);
    expect((await api('GET', '/me')).status).toBe(429);
    await clock.advance(1);
    expect((await api('GET', '/me')).status).toBe(200);
    const stats = await control(sandbox, 'GET', '/stats');
    expect(stats.body.rateLimited).toBeGreaterThanOrEqual(2);
  });

  it('follows the sandbox clock: shifting it through the control API starts a new window', async () => {
    await freshWindow();
    for (let i = 0; i < 10; i++) expect((await api('GET', '/me')).status).toBe(200);
    expect((await api('GET', '/me')).status).toBe(429);
    // Forward only, as time goes: the other tests find their fresh window from wherever it is.
    const { clockOffsetSeconds } = (await control(sandbox, 'GET', '/settings')).body;
    await control(sandbox, 'PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + 1 });
    const next = await api('GET', '/me');
    expect(next.status).toBe(200);
    expect(Number(next.headers.get('x-ratelimit-reset'))).toBe(clock.now() / 1000 + clockOffsetSeconds + 2);
  });

  it('can be changed at run time', async () => {
    await control(sandbox, 'PATCH', '/settings', { rateLimit: 1200 });
    await freshWindow();
    expect((await api('GET', '/me')).headers.get('x-ratelimit-limit')).toBe('20');
    await control(sandbox, 'PATCH', '/settings', { rateLimit: 600 });
  });
});
