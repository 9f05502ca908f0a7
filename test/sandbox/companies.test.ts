// Company rules: create-or-update by company_id, the 10,000-record list cap, attach/detach
// with their errors, notes by admins, and delete detaching contacts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  // A small cap stands in for the live 10,000 so the test stays fast.
  sandbox = await startSandbox({ contacts: 300, companies: 60, seed: 9, rateLimit: 0, companiesListCap: 20 });
  api = apiClient(sandbox);
});
afterAll(async () => sandbox.close());

describe('companies', () => {
  it('creates by company_id, then updates the same company on a second POST', async () => {
    const created = await api('POST', '/companies', {
      company_id: 'acme-1',
      name: 'Acme',
      plan: 'pro',
      monthly_spend: 155.98,
    });
    expect(created.body).toMatchObject({
      company_id: 'acme-1',
      name: 'Acme',
      monthly_spend: 155,
      plan: { type: 'plan', name: 'pro' },
    });
    const updated = await api('POST', '/companies', { company_id: 'acme-1', name: 'Acme GmbH', size: 12 });
    expect(updated.body).toMatchObject({ id: created.body.id, name: 'Acme GmbH', size: 12 });
    expect([...sandbox.store.companies.values()].filter((c) => c.company_id === 'acme-1')).toHaveLength(1);
    expect((await api('GET', '/companies?company_id=acme-1')).body.name).toBe('Acme GmbH');
  });

  it('refuses pages past the list cap and points to the scroll API', async () => {
    expect((await api('GET', '/companies?per_page=10&page=2')).status).toBe(200);
    const response = await api('GET', '/companies?per_page=10&page=3');
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({
      code: 'bad_request',
      message: 'page limit reached, please use scroll API',
    });
  });

  it('lists only companies that have contacts', async () => {
    await api('POST', '/companies', { company_id: 'lonely', name: 'Lonely Inc' });
    const listed = (await api('GET', '/companies?per_page=150')).body.data.map((c: any) => c.company_id);
    expect(listed).not.toContain('lonely');
  });

  it('attaches and detaches a contact, with the documented errors', async () => {
    const contact = await api('POST', '/contacts', { role: 'user', email: 'attach@example.com' });
    const company = await api('POST', '/companies', { company_id: 'att-1', name: 'Attach Co' });
    expect((await api('POST', `/contacts/${contact.body.id}/companies`, {})).body.errors[0]).toMatchObject({
      code: 'parameter_not_found',
      message: 'company not specified',
    });
    expect(
      (await api('POST', `/contacts/${contact.body.id}/companies`, { id: '5f00000000000000000000ff' })).body
        .errors[0].code,
    ).toBe('company_not_found');
    const attached = await api('POST', `/contacts/${contact.body.id}/companies`, { id: company.body.id });
    expect(attached.body.user_count).toBe(1);
    expect(
      (await api('GET', `/contacts/${contact.body.id}/companies`)).body.data.map((c: any) => c.id),
    ).toEqual([company.body.id]);
    expect(
      (await api('GET', `/companies/${company.body.id}/contacts`)).body.data.map((c: any) => c.id),
    ).toEqual([contact.body.id]);
    const detached = await api('DELETE', `/contacts/${contact.body.id}/companies/${company.body.id}`);
    expect(detached.body.user_count).toBe(0);
    expect((await api('GET', `/contacts/${contact.body.id}/companies`)).body.data).toEqual([]);
  });

  it('deletes a company, detaching its contacts, and answers 404 afterwards', async () => {
    const contact = await api('POST', '/contacts', { role: 'user', email: 'delco@example.com' });
    const company = await api('POST', '/companies', { company_id: 'del-1', name: 'Gone Ltd' });
    await api('POST', `/contacts/${contact.body.id}/companies`, { id: company.body.id });
    expect((await api('DELETE', `/companies/${company.body.id}`)).body).toEqual({
      id: company.body.id,
      object: 'company',
      deleted: true,
    });
    expect((await api('GET', `/companies/${company.body.id}`)).status).toBe(404);
    expect((await api('GET', `/contacts/${contact.body.id}`)).body.companies.total_count).toBe(0);
  });
});

describe('notes', () => {
  it('are written by admins, listed newest first, and refused for an unknown admin', async () => {
    const contact = await api('POST', '/contacts', { role: 'lead', email: 'notes@example.com' });
    const admin = [...sandbox.store.admins.values()][1]!;
    const refused = await api('POST', `/contacts/${contact.body.id}/notes`, { body: 'x', admin_id: '1' });
    expect(refused.status).toBe(404);
    await api('POST', `/contacts/${contact.body.id}/notes`, { body: '<p>first</p>', admin_id: admin.id });
    sandbox.updateSettings({ clockOffsetSeconds: 5 });
    const second = await api('POST', `/contacts/${contact.body.id}/notes`, {
      body: '<p>second</p>',
      admin_id: admin.id,
    });
    sandbox.updateSettings({ clockOffsetSeconds: 0 });
    expect(second.body.author).toMatchObject({ type: 'admin', id: admin.id, name: admin.name });
    const list = await api('GET', `/contacts/${contact.body.id}/notes`);
    expect(list.body.data.map((n: any) => n.body)).toEqual(['<p>second</p>', '<p>first</p>']);
    expect(list.body.total_count).toBe(2);
  });

  it('seeded notes carry admin authors, and some contacts have more than the 10 embedded', async () => {
    const crowded = [...sandbox.store.contacts.values()].find((c) => c.noteIds.length > 10)!;
    const body = (await api('GET', `/contacts/${crowded.id}`)).body;
    expect(body.notes).toMatchObject({ has_more: true, total_count: crowded.noteIds.length });
    const notes = (await api('GET', `/contacts/${crowded.id}/notes`)).body.data;
    expect(notes).toHaveLength(crowded.noteIds.length);
    expect(notes.every((n: any) => n.author?.type === 'admin')).toBe(true);
  });
});
