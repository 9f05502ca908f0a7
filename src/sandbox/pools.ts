// Pools of realistic values drawn once from a seeded faker (several locales, so unicode names),
// then combined with the PRNG per record: calling faker per record would make 100k contacts slow.
import { Faker, base, de, en, es, fr, ja, pl, ru, zh_CN } from '@faker-js/faker';

export interface ValuePools {
  /** First and last names drawn together, so a name stays within one locale. */
  readonly names: ReadonlyArray<readonly [string, string]>;
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  readonly companyNames: readonly string[];
  readonly domains: readonly string[];
  readonly industries: readonly string[];
  readonly cities: ReadonlyArray<{ country: string; region: string | null; city: string | null }>;
  readonly sentences: readonly string[];
  readonly words: readonly string[];
  readonly jobTitles: readonly string[];
}

const LOCALES = [en, de, fr, es, pl, ru, ja, zh_CN];

export function buildPools(seed: number): ValuePools {
  const fakers = LOCALES.map((locale, i) => {
    const faker = new Faker({ locale: [locale, en, base] });
    faker.seed(seed * 31 + i);
    return faker;
  });
  // Latin-script locales dominate, as in most workspaces; ru/ja/zh give the unicode tail.
  const weights = [40, 10, 10, 10, 5, 5, 5, 5];
  const draw = <T>(count: number, make: (faker: Faker) => T): T[] => {
    const out: T[] = [];
    fakers.forEach((faker, i) => {
      const n = Math.max(1, Math.round((count * weights[i]!) / 90));
      for (let k = 0; k < n; k++) out.push(make(faker));
    });
    return out;
  };
  const en0 = fakers[0]!;
  const unique = <T>(items: T[]): T[] => [...new Set(items)];
  return {
    names: draw(1500, (f) => [f.person.firstName(), f.person.lastName()] as const),
    firstNames: unique(draw(400, (f) => f.person.firstName())),
    lastNames: unique(draw(400, (f) => f.person.lastName())),
    companyNames: unique(draw(300, (f) => f.company.name())),
    domains: unique(Array.from({ length: 200 }, () => en0.internet.domainName())).concat([
      'gmail.com',
      'yahoo.com',
      'outlook.com',
      'münchen-beispiel.de',
    ]),
    industries: unique(Array.from({ length: 30 }, () => en0.commerce.department())),
    cities: draw(120, (f) => ({
      country: f.location.country(),
      region: f.datatype.boolean(0.8) ? f.location.state() : null,
      city: f.datatype.boolean(0.9) ? f.location.city() : null,
    })),
    sentences: draw(200, (f) => f.lorem.sentence()),
    words: unique(Array.from({ length: 300 }, () => en0.word.noun())),
    jobTitles: Array.from({ length: 10 }, () => en0.person.jobTitle()),
  };
}
