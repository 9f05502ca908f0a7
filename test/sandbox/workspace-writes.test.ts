// The sandbox plays what the push and the full sync now rely on: tags created by name, renamed,
// deleted and put on companies through POST /tags; data attributes listed and created with the
// API's validation, and writes naming an unknown attribute refused; merge; admins with their teams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, type Api } from './support/api.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  sandbox = await startSandbox({ contacts: 40, companies: 6, seed: 5, rateLimit: 0 });
  api = apiClient(sandbox);
});
afterAll(async () => sandbox.close());

const firstCompany = async () => (await api('GET', '/companies?per_page=1')).body.data[0];
const firstContact = async (role: 'user' | 'lead') =>
  (
    await api('POST', '/contacts/search', {
      query: { field: 'role', operator: '=', value: role },
      pagination: { per_page: 1 },
    })
  ).body.data[0];

describe('tags', () => {
  it('POST /tags creates a tag by name and answers the same tag for the same name again', async () => {
    const first = await api('POST', '/tags', { name: 'Sandbox VIP' });
    const again = await api('POST', '/tags', { name: 'Sandbox VIP' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ type: 'tag', name: 'Sandbox VIP' });
    expect(again.body.id).toBe(first.body.id);
    expect((await api('POST', '/tags', {})).status).toBe(400);
  });

  it('tags and untags a company by Intercom id, and a rename keeps the id', async () => {
    const company = await firstCompany();
    const tag = await api('POST', '/tags', { name: 'Key account', companies: [{ id: company.id }] });
    expect(
      (await api('GET', `/companies/${company.id}`)).body.tags.tags.map((t: { id: string }) => t.id),
    ).toContain(tag.body.id);
    await api('POST', '/tags', { name: 'Key account', companies: [{ id: company.id, untag: true }] });
    expect(
      (await api('GET', `/companies/${company.id}`)).body.tags.tags.map((t: { id: string }) => t.id),
    ).not.toContain(tag.body.id);
    const renamed = await api('POST', '/tags', { id: tag.body.id, name: 'Strategic account' });
    expect(renamed.body).toEqual({ type: 'tag', id: tag.body.id, name: 'Strategic account' });
    const unknown = await api('POST', '/tags', { name: 'x', companies: [{ id: 'no-such-company' }] });
    expect(unknown.status).toBe(404);
  });

  it('DELETE /tags/{id} removes the tag from its contacts; tagging with it then answers 404', async () => {
    const contact = await firstContact('user');
    const tag = await api('POST', '/tags', { name: 'Doomed' });
    await api('POST', `/contacts/${contact.id}/tags`, { id: tag.body.id });
    expect((await api('DELETE', `/tags/${tag.body.id}`)).body).toEqual({
      id: tag.body.id,
      object: 'tag',
      deleted: true,
    });
    const tags = await api('GET', `/contacts/${contact.id}/tags`);
    expect(tags.body.data.map((t: { id: string }) => t.id)).not.toContain(tag.body.id);
    const again = await api('POST', `/contacts/${contact.id}/tags`, { id: tag.body.id });
    expect(again.status).toBe(404);
    expect((await api('DELETE', `/tags/${tag.body.id}`)).status).toBe(404);
  });
});

describe('data attributes', () => {
  it('lists standard and custom attributes of a model, with type and writability', async () => {
    const { body } = await api('GET', '/data_attributes?model=contact');
    expect(body.type).toBe('list');
    expect(body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'email', custom: false, api_writable: true, full_name: 'email' }),
        expect.objectContaining({ name: 'created_at', custom: false, api_writable: false }),
        expect.objectContaining({
          name: 'seats',
          custom: true,
          data_type: 'integer',
          full_name: 'custom_attributes.seats',
        }),
      ]),
    );
    expect((await api('GET', '/data_attributes?model=conversation')).status).toBe(400);
  });

  it('creates a custom attribute, which writes may then name; an unknown one is refused', async () => {
    const contact = await firstContact('user');
    const refused = await api('PUT', `/contacts/${contact.id}`, { custom_attributes: { shoe_size: 42 } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toBe("Custom attribute 'shoe_size' does not exist");

    const created = await api('POST', '/data_attributes', {
      name: 'shoe_size',
      model: 'contact',
      data_type: 'integer',
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      type: 'data_attribute',
      name: 'shoe_size',
      model: 'contact',
      data_type: 'integer',
      custom: true,
    });
    const written = await api('PUT', `/contacts/${contact.id}`, { custom_attributes: { shoe_size: 42 } });
    expect(written.body.custom_attributes.shoe_size).toBe(42);
    const mistyped = await api('PUT', `/contacts/${contact.id}`, {
      custom_attributes: { shoe_size: 'large' },
    });
    expect(mistyped.status).toBe(400);
  });

  it('validates a new attribute: a taken name, an unknown type, a bad name, no model', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { name: 'seats', model: 'contact', data_type: 'integer' },
        "You already have 'seats' in your people data. To save this as new people data, use a different name.",
      ],
      [
        { name: 'tier', model: 'company', data_type: 'string' },
        "You already have 'tier' in your company data. To save this as new company data, use a different name.",
      ],
      [{ name: 'colour', model: 'contact', data_type: 'colour' }, "Data Type isn't an option"],
      [
        { name: '!nv@l!d n@me', model: 'contact', data_type: 'string' },
        'Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens',
      ],
      [{ name: 'orphan', data_type: 'string' }, 'Model must be contact or company'],
    ];
    for (const [body, message] of cases) {
      const response = await api('POST', '/data_attributes', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.errors[0].message).toBe(message);
    }
  });
});

describe('merge, admins and teams', () => {
  it('merges a lead into a user (the lead answers 404 after) and refuses a user into a lead', async () => {
    const lead = await firstContact('lead');
    const user = await firstContact('user');
    const refused = await api('POST', '/contacts/merge', { from: user.id, into: lead.id });
    expect(refused.status).toBe(400);
    const merged = await api('POST', '/contacts/merge', { from: lead.id, into: user.id });
    expect(merged.status).toBe(200);
    expect(merged.body.id).toBe(user.id);
    expect((await api('GET', `/contacts/${lead.id}`)).status).toBe(404);
  });

  it('lists admins with their team ids and teams with their admin ids, consistently', async () => {
    const admins = (await api('GET', '/admins')).body;
    const teams = (await api('GET', '/teams')).body;
    expect(admins.type).toBe('admin.list');
    expect(teams.type).toBe('team.list');
    expect(teams.teams.map((t: { name: string }) => t.name)).toEqual(['Support', 'Sales']);
    for (const team of teams.teams as { id: string; admin_ids: number[] }[]) {
      for (const adminId of team.admin_ids) {
        const admin = admins.admins.find((a: { id: string }) => a.id === String(adminId));
        expect(admin.team_ids).toContain(Number(team.id));
      }
    }
    expect((await api('GET', `/teams/${teams.teams[0].id}`)).body.name).toBe('Support');
  });
});
