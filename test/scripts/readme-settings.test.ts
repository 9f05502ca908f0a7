// The README's settings table against src/config: every setting the service reads is listed, with
// the default the schema actually gives it, so the table cannot drift from the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_DEFAULTS, SETTING_NAMES } from '../../src/config/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the table under "## Configuration": first cell (names), second cell (default). */
function settingRows(): { names: string; defaults: string }[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, names = '', defaults = ''] = line.split('|').map((cell) => cell.trim());
      return { names, defaults };
    });
}

describe("README's settings table", () => {
  const rows = settingRows();

  it('lists every setting src/config reads, and nothing it does not', () => {
    const listed = rows.flatMap((r) => [...r.names.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));
    expect([...listed].sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('gives each setting the default the schema gives it', () => {
    const defaults = SETTING_DEFAULTS as unknown as Record<string, unknown>;
    for (const name of SETTING_NAMES) {
      const value = defaults[name];
      if (!['string', 'number', 'boolean'].includes(typeof value)) continue;
      const row = rows.find((r) => r.names.includes(`\`${name}\``));
      expect(row?.defaults, `the README's default of ${name}`).toContain(`\`${String(value)}\``);
    }
  });
});
