// Injected latency and faults: 500/503 JSON, 502 HTML, hung sockets and truncated reads, each
// decided before the handler so a faulted change is never applied; control endpoints are spared.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../src/sandbox/faults.js';
import { Prng } from '../../src/sandbox/prng.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, control, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  sandbox = await startSandbox({ contacts: 40, companies: 5, seed: 8, rateLimit: 0, timeoutFaultMs: 300 });
  api = apiClient(sandbox);
});
afterEach(async () => {
  await control(sandbox, 'PATCH', '/settings', {
    faultRate: 0,
    latencyMs: 0,
    faultKinds: ['500', '502', '503', 'timeout', 'truncated'],
  });
});
afterAll(async () => sandbox.close());

const countContacts = () => sandbox.store.contacts.size;

describe('faults', () => {
  it('answers 500 and 503 with the error envelope and applies nothing', async () => {
    for (const kind of ['500', '503'] as const) {
      await control(sandbox, 'PATCH', '/settings', { faultRate: 1, faultKinds: [kind] });
      const before = countContacts();
      const response = await api('POST', '/contacts', { role: 'user', email: `f${kind}@example.com` });
      expect(response.status).toBe(Number(kind));
      expect(response.body.type).toBe('error.list');
      expect(countContacts()).toBe(before);
    }
  });

  it('answers 502 with an HTML gateway page, applying nothing', async () => {
    await control(sandbox, 'PATCH', '/settings', { faultRate: 1, faultKinds: ['502'] });
    const target = [...sandbox.store.contacts.values()][0]!;
    const response = await api('PUT', `/contacts/${target.id}`, { name: 'Never' });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.text).toMatch(/<html>/);
    expect(sandbox.store.contacts.get(target.id)!.name).toBe(target.name);
  });

  it('hangs the socket on a timeout fault and applies nothing', async () => {
    await control(sandbox, 'PATCH', '/settings', { faultRate: 1, faultKinds: ['timeout'] });
    const before = countContacts();
    const failure = await api(
      'POST',
      '/contacts',
      { role: 'user', email: 'timeout@example.com' },
      { signal: AbortSignal.timeout(1000) },
    ).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(countContacts()).toBe(before);
  });

  it('truncates JSON only on reads: a 200 whose body does not parse', async () => {
    await control(sandbox, 'PATCH', '/settings', { faultRate: 1, faultKinds: ['truncated'] });
    const read = await api('GET', '/contacts?per_page=5', undefined, { raw: true });
    expect(read.status).toBe(200);
    expect(() => JSON.parse(read.text)).toThrow();
    // A write is never truncated: with only truncation enabled it goes through whole.
    const write = await api('POST', '/contacts', { role: 'user', email: 'whole@example.com' });
    expect(write.status).toBe(200);
    expect(write.body.email).toBe('whole@example.com');
  });

  it('loses the answer of an applied write on a lost fault (a 502 page), never on a read', async () => {
    await control(sandbox, 'PATCH', '/settings', { faultRate: 1, faultKinds: ['lost'] });
    const before = countContacts();
    const write = await api(
      'POST',
      '/contacts',
      { role: 'lead', email: 'applied@example.com' },
      { raw: true },
    );
    expect(write.status).toBe(502);
    expect(write.text).toMatch(/<html>/);
    expect(countContacts()).toBe(before + 1);
    expect([...sandbox.store.contacts.values()].some((c) => c.email === 'applied@example.com')).toBe(true);
    const read = await api('GET', '/contacts?per_page=5');
    expect(read.status).toBe(200);
  });

  it('spares the control endpoints', async () => {
    // Latency this long would show (10 s at least half of it); every call would fail with a 500.
    await control(sandbox, 'PATCH', '/settings', { faultRate: 1, faultKinds: ['500'], latencyMs: 10_000 });
    await control(sandbox, 'POST', '/stats/reset');
    const started = Date.now();
    const response = await control(sandbox, 'POST', '/contacts', {
      role: 'user',
      email: 'agent@example.com',
    });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const stats = (await control(sandbox, 'GET', '/stats')).body;
    expect(stats.requests).toBe(0);
    expect(stats.faults).toEqual({});
  });

  it('injects latency with jitter around the mean', async () => {
    await control(sandbox, 'PATCH', '/settings', { latencyMs: 100 });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      await api('GET', '/me');
      times.push(Date.now() - started);
    }
    // A lower bound only: a loaded machine makes calls slower, never faster than the latency.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(45);
    // The jitter itself is the injector's: 50–150 % of the mean, spread across that range.
    const injector = new FaultInjector(
      () => ({ faultRate: 0, faultKinds: ['500'], latencyMs: 100 }),
      new Prng(8),
    );
    const draws = Array.from({ length: 200 }, () => injector.latencyMs());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...draws)).toBeLessThanOrEqual(150);
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(80);
    expect(new Set(draws).size).toBe(draws.length);
  });

  it('faults a share of requests close to the configured rate', async () => {
    await control(sandbox, 'PATCH', '/settings', { faultRate: 0.3, faultKinds: ['500', '503'] });
    let failed = 0;
    for (let i = 0; i < 200; i++) if ((await api('GET', '/me')).status >= 500) failed += 1;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
  });
});
