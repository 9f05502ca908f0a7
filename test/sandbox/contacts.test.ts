// Contact rules as the live API plays them: creation rules, the 409 conflict and its archived
// variant, user→lead refused, archive/unarchive/delete/merge and their 404s, cursors, updated_at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  sandbox = await startSandbox({ contacts: 300, companies: 20, seed: 3, rateLimit: 0 });
  api = apiClient(sandbox);
});
afterAll(async () => sandbox.close());

const search = (query: unknown) => api('POST', '/contacts/search', { query, pagination: { per_page: 150 } });

describe('creating contacts', () => {
  it('refuses a user with neither email nor external_id', async () => {
    const response = await api('POST', '/contacts', { role: 'user', name: 'Nobody' });
    expect(response.status).toBe(400);
  });

  it('answers 409 conflict naming the existing id for a second user with the same external_id', async () => {
    const first = await api('POST', '/contacts', {
      role: 'user',
      external_id: 'dup-1',
      email: 'dup1@example.com',
    });
    const second = await api('POST', '/contacts', {
      role: 'user',
      external_id: 'dup-1',
      email: 'other@example.com',
    });
    expect(second.status).toBe(409);
    expect(second.body.errors[0]).toEqual({
      code: 'conflict',
      message: `A contact matching those details already exists with id=${first.body.id}`,
    });
  });

  it('answers the archived variant for an archived user, and still after it is deleted', async () => {
    const user = await api('POST', '/contacts', {
      role: 'user',
      external_id: 'arch-1',
      email: 'arch1@example.com',
    });
    await api('POST', `/contacts/${user.body.id}/archive`);
    const again = await api('POST', '/contacts', { role: 'user', external_id: 'arch-1' });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].message).toBe(
      `An archived contact matching those details already exists with id=${user.body.id}`,
    );
    await api('DELETE', `/contacts/${user.body.id}`);
    const afterDelete = await api('POST', '/contacts', { role: 'user', external_id: 'arch-1' });
    expect(afterDelete.body.errors[0].message).toMatch(/^An archived contact .* id=/);
  });

  it('allows users with the same email but different external_ids, and duplicate leads', async () => {
    expect(
      (await api('POST', '/contacts', { role: 'user', external_id: 'same-a', email: 'same@example.com' }))
        .status,
    ).toBe(200);
    expect(
      (await api('POST', '/contacts', { role: 'user', external_id: 'same-b', email: 'same@example.com' }))
        .status,
    ).toBe(200);
    const leadA = await api('POST', '/contacts', { role: 'lead', email: 'lead@example.com' });
    const leadB = await api('POST', '/contacts', { role: 'lead', email: 'lead@example.com' });
    expect(leadB.status).toBe(200);
    expect(leadB.body.id).not.toBe(leadA.body.id);
  });

  it('ignores the external_id given for a lead and assigns a UUID', async () => {
    const lead = await api('POST', '/contacts', {
      role: 'lead',
      external_id: 'mine',
      email: 'l2@example.com',
    });
    expect(lead.body.external_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 400 with the conflict in --spec-literal mode', async () => {
    const literal = await startSandbox({ contacts: 10, companies: 2, specLiteral: true, rateLimit: 0 });
    try {
      const call = apiClient(literal);
      await call('POST', '/contacts', { role: 'user', external_id: 'x1' });
      const second = await call('POST', '/contacts', { role: 'user', external_id: 'x1' });
      expect(second.status).toBe(400);
      expect(second.body.errors[0].code).toBe('conflict');
    } finally {
      await literal.close();
    }
  });

  it('refuses custom attributes that are not defined, or of the wrong type, and stores nothing', async () => {
    const before = sandbox.store.contacts.size;
    expect((await api('POST', '/contacts', { role: 'lead', custom_attributes: { nope: 1 } })).status).toBe(
      400,
    );
    expect(
      (await api('POST', '/contacts', { role: 'lead', custom_attributes: { seats: 'many' } })).status,
    ).toBe(400);
    expect(sandbox.store.contacts.size).toBe(before);
  });
});

describe('updating contacts', () => {
  it('refuses to turn a user into a lead', async () => {
    const user = await api('POST', '/contacts', { role: 'user', email: 'u2l@example.com' });
    const response = await api('PUT', `/contacts/${user.body.id}`, { role: 'lead' });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].message).toMatch(/user role can't be converted to a lead/);
  });

  it('turns a lead into a user', async () => {
    const lead = await api('POST', '/contacts', { role: 'lead', email: 'l2u@example.com' });
    const user = await api('PUT', `/contacts/${lead.body.id}`, { role: 'user', external_id: 'l2u-1' });
    expect(user.body).toMatchObject({ role: 'user', external_id: 'l2u-1' });
  });

  it('bumps updated_at on every mutation', async () => {
    sandbox.updateSettings({ clockOffsetSeconds: 0 });
    const created = await api('POST', '/contacts', { role: 'user', email: 'bump@example.com' });
    const id = created.body.id;
    const company = [...sandbox.store.companies.values()][0]!;
    const tag = [...sandbox.store.tags.values()][0]!;
    const admin = [...sandbox.store.admins.keys()][0]!;
    const steps: Array<() => Promise<unknown>> = [
      () => api('PUT', `/contacts/${id}`, { name: 'Bumped' }),
      () => api('POST', `/contacts/${id}/tags`, { id: tag.id }),
      () => api('POST', `/contacts/${id}/companies`, { id: company.id }),
      () => api('POST', `/contacts/${id}/notes`, { body: 'n', admin_id: admin }),
      () => api('DELETE', `/contacts/${id}/companies/${company.id}`),
      () => api('POST', `/contacts/${id}/archive`),
      () => api('POST', `/contacts/${id}/unarchive`),
    ];
    let last = created.body.updated_at as number;
    for (const [i, step] of steps.entries()) {
      sandbox.updateSettings({ clockOffsetSeconds: (i + 1) * 10 });
      await step();
      const now = sandbox.store.contacts.get(id)!.updated_at;
      expect(now, `step ${i}`).toBeGreaterThan(last);
      last = now;
    }
    sandbox.updateSettings({ clockOffsetSeconds: 0 });
  });
});

describe('archive, delete and merge', () => {
  it('hides an archived contact from get, list and search until unarchived', async () => {
    const c = await api('POST', '/contacts', {
      role: 'user',
      external_id: 'hide-1',
      email: 'hide@example.com',
    });
    await api('POST', `/contacts/${c.body.id}/archive`);
    expect((await api('GET', `/contacts/${c.body.id}`)).status).toBe(404);
    expect((await api('GET', `/contacts/${c.body.id}`)).body.errors[0].message).toBe('User Not Found');
    expect((await search({ field: 'external_id', operator: '=', value: 'hide-1' })).body.data).toHaveLength(
      0,
    );
    expect(await listIds()).not.toContain(c.body.id);
    await api('POST', `/contacts/${c.body.id}/unarchive`);
    expect((await api('GET', `/contacts/${c.body.id}`)).status).toBe(200);
    expect((await search({ field: 'external_id', operator: '=', value: 'hide-1' })).body.data).toHaveLength(
      1,
    );
  });

  it('answers 404 after delete, and the live 400 when unarchiving a deleted contact', async () => {
    const c = await api('POST', '/contacts', { role: 'user', email: 'del@example.com' });
    expect((await api('DELETE', `/contacts/${c.body.id}`)).body).toEqual({
      id: c.body.id,
      object: 'contact',
      deleted: true,
    });
    expect((await api('GET', `/contacts/${c.body.id}`)).status).toBe(404);
    expect((await api('DELETE', `/contacts/${c.body.id}`)).status).toBe(404);
    expect((await api('POST', `/contacts/${c.body.id}/archive`)).status).toBe(404);
    const unarchive = await api('POST', `/contacts/${c.body.id}/unarchive`);
    expect(unarchive.status).toBe(400);
    expect(unarchive.body.errors).toEqual([
      { code: 'bad_request', message: 'User has been marked for permanent deletion and is not restorable.' },
    ]);
    expect(sandbox.store.contacts.get(c.body.id)!.state).toBe('deleted');
  });

  it('merges a lead into a user: the lead disappears, its tags and notes move', async () => {
    const tag = [...sandbox.store.tags.values()][2]!;
    const lead = await api('POST', '/contacts', {
      role: 'lead',
      email: 'merge-lead@example.com',
      phone: '+15550001',
    });
    await api('POST', `/contacts/${lead.body.id}/tags`, { id: tag.id });
    const user = await api('POST', '/contacts', { role: 'user', external_id: 'merge-user' });
    const merged = await api('POST', '/contacts/merge', { from: lead.body.id, into: user.body.id });
    expect(merged.body).toMatchObject({
      id: user.body.id,
      email: 'merge-lead@example.com',
      phone: '+15550001',
    });
    expect(merged.body.tags.data.map((t: any) => t.id)).toContain(tag.id);
    expect((await api('GET', `/contacts/${lead.body.id}`)).status).toBe(404);
    expect((await search({ field: 'id', operator: '=', value: lead.body.id })).body.data).toHaveLength(0);
    expect(await listIds()).not.toContain(lead.body.id);
  });

  it('merges only a lead into a user', async () => {
    const a = await api('POST', '/contacts', { role: 'user', external_id: 'mu-a' });
    const b = await api('POST', '/contacts', { role: 'user', external_id: 'mu-b' });
    const response = await api('POST', '/contacts/merge', { from: a.body.id, into: b.body.id });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].code).toBe('invalid_merge');
  });
});

describe('listing contacts', () => {
  it('walks every active contact exactly once with opaque cursors', async () => {
    const ids = await listIds(37);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(sandbox.store.activeContactCount);
  });

  it('answers 400 for a cursor it did not issue', async () => {
    const response = await api('GET', '/contacts?starting_after=not-a-cursor');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].message).toMatch(/Invalid starting_after/);
  });

  it('embeds at most 10 tags and companies with has_more and the total', async () => {
    const crowded = [...sandbox.store.contacts.values()].find(
      (c) => c.tagIds.length > 10 && c.state === 'active',
    )!;
    const body = (await api('GET', `/contacts/${crowded.id}`)).body;
    expect(body.tags.data).toHaveLength(10);
    expect(body.tags).toMatchObject({
      has_more: true,
      total_count: crowded.tagIds.length,
      url: `/contacts/${crowded.id}/tags`,
    });
    expect((await api('GET', `/contacts/${crowded.id}/tags`)).body.data).toHaveLength(crowded.tagIds.length);
  });
});

async function listIds(perPage = 150): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await api(
      'GET',
      `/contacts?per_page=${perPage}${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`,
    );
    ids.push(...page.body.data.map((c: any) => c.id));
    after = page.body.pages.next?.starting_after;
  } while (after);
  return ids;
}
