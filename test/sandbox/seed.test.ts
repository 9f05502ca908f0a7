// The seeded workspace: deterministic from the seed and realistic in its awkward cases. How fast
// 100,000 contacts load and are served is a target bench/sandbox-load.ts checks (npm run bench:sandbox).
import { describe, expect, it } from 'vitest';
import { IdFactory } from '../../src/sandbox/ids.js';
import { generateSeed } from '../../src/sandbox/seed.js';
import { IMPORT_DAY } from '../../src/sandbox/seed-catalog.js';
import { parseSandboxOptions } from '../../src/sandbox/options.js';

const seeded = (seed: number, contacts = 3000) =>
  generateSeed(seed, { contacts, companies: 200 }, new IdFactory('abcdef'));

describe('seeded data', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(JSON.stringify(seeded(42, 500))).toBe(JSON.stringify(seeded(42, 500)));
    expect(JSON.stringify(seeded(43, 500))).not.toBe(JSON.stringify(seeded(42, 500)));
  });

  const data = seeded(1);
  const { contacts, companies } = data;

  it('has users and leads with the awkward cases', () => {
    const leads = contacts.filter((c) => c.role === 'lead');
    expect(contacts.filter((c) => c.role === 'user').every((c) => c.email || c.external_id)).toBe(true);
    expect(leads.some((c) => c.email === null)).toBe(true);
    const leadEmails = leads.flatMap((c) => (c.email ? [c.email] : []));
    expect(new Set(leadEmails).size).toBeLessThan(leadEmails.length);
    expect(contacts.some((c) => c.name === null)).toBe(true);
    expect(contacts.some((c) => c.name && /[^\u0000-\u024f\s'-]/.test(c.name))).toBe(true);
    expect(contacts.every((c) => c.updated_at >= c.created_at)).toBe(true);
  });

  it('spreads created_at over several years with sorted, 24-hex ids', () => {
    const years = (contacts.at(-1)!.created_at - contacts[0]!.created_at) / (365 * 86_400);
    expect(years).toBeGreaterThan(4);
    expect(contacts.every((c) => /^[0-9a-f]{24}$/.test(c.id))).toBe(true);
    const ids = contacts.map((c) => c.id);
    expect([...ids].sort()).toEqual(ids);
  });

  it('fills custom attributes of every type, nulls included', () => {
    const types = new Set(data.contactAttributes.map((a) => a.type));
    expect(types).toEqual(new Set(['string', 'integer', 'float', 'boolean', 'date']));
    for (const attr of data.contactAttributes) {
      const values = contacts.map((c) => c.custom_attributes[attr.name]);
      expect(
        values.some((v) => v !== null),
        attr.name,
      ).toBe(true);
    }
    expect(contacts.some((c) => c.custom_attributes.plan_tier === null)).toBe(true);
  });

  it('gives contacts 0–15 tags and companies, some past the 10 embedded', () => {
    const tagCounts = contacts.map((c) => c.tagIds.length);
    const companyCounts = contacts.map((c) => c.companyIds.length);
    expect(Math.min(...tagCounts)).toBe(0);
    expect(Math.max(...tagCounts)).toBeLessThanOrEqual(15);
    expect(tagCounts.some((n) => n > 10)).toBe(true);
    expect(companyCounts.some((n) => n > 10)).toBe(true);
    expect(Math.max(...companyCounts)).toBeLessThanOrEqual(15);
  });

  it('gives companies plans, tags and segments, and notes admin authors', () => {
    expect(companies.some((c) => c.plan !== null && c.tagIds.length > 0 && c.segmentIds.length > 0)).toBe(
      true,
    );
    const admins = new Set(data.admins.map((a) => a.id));
    expect(data.notes.length).toBeGreaterThan(0);
    expect(data.notes.every((n) => admins.has(n.adminId))).toBe(true);
    expect(data.segments.length).toBeGreaterThan(3);
  });

  it('plays a bulk-import day: the share asked for created on one day, the rest as without it', () => {
    const imported = generateSeed(
      1,
      { contacts: 3000, companies: 200, importDayShare: 0.6 },
      new IdFactory('abcdef'),
    );
    const onDay = imported.contacts.filter(
      (c) => c.created_at >= IMPORT_DAY && c.created_at < IMPORT_DAY + 86_400,
    );
    expect(onDay.length / 3000).toBeGreaterThan(0.55);
    expect(onDay.length / 3000).toBeLessThan(0.65);
    const others = imported.contacts.filter((c) => !onDay.includes(c));
    const plain = new Map(contacts.map((c) => [c.id.slice(8), c]));
    // Contacts the import did not create are the ones seeded without it (ids differ only in their time part).
    expect(others.every((c) => plain.get(c.id.slice(8))?.created_at === c.created_at)).toBe(true);
    expect(new Set(onDay.map((c) => c.id.at(-1))).size).toBe(16); // ids end in every hex digit
  });

  it('refuses an import-day share outside 0–1, naming the option', () => {
    expect(() => parseSandboxOptions({ importDayShare: 1.5 })).toThrow(/importDayShare/);
    expect(() => parseSandboxOptions({ importDayShare: -0.1 })).toThrow(/importDayShare/);
  });
});
