// The citation check as `npm test` runs it: a tree whose citations resolve passes, and each kind of
// bad citation fails the check with its file, line and a message that says what is wrong.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/check-citations.mjs', import.meta.url));

const guide = [
  '# Guide',
  '## Rate limits',
  'See [the scroll](#scroll) and [the design](other.md#principle-1).',
  '## Scroll',
  '```md',
  '## Not a heading inside a fence',
  '```',
].join('\n');
const other = ['# Other', '<a id="principle-1"></a>', '', '### Principle 1 — Postgres holds the state'].join(
  '\n',
);

let roots: string[] = [];
afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  roots = [];
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'citations-'));
  roots.push(root);
  for (const [file, text] of Object.entries({ 'docs/guide.md': guide, 'docs/other.md': other, ...files })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

function check(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, root], (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const good = [
  '// Windows of ten seconds (docs/intercom-api.md#rate-limits).',
  '// Slugged headings and explicit anchors both count (docs/guide.md#rate-limits, docs/other.md#principle-1).',
  '// A whole file may be cited too: docs/guide.md.',
].join('\n');

describe('check-citations', () => {
  it('passes a tree whose citations and docs links all resolve', async () => {
    const root = tree({ 'docs/intercom-api.md': '## Rate limits\n', 'src/good.ts': good });
    const result = await check(root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/citations: \d+ in \d+ files resolve/);
  });

  it('fails on a missing section and names the file, the line and the nearest anchor', async () => {
    const root = tree({
      'src/good.ts': good.replace('docs/intercom-api.md#rate-limits', 'docs/guide.md#scroll'),
      'src/bad.ts': '\n// Idle for a minute (docs/guide.md#scrol).\n',
    });
    const result = await check(root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'src/bad.ts:2: docs/guide.md#scrol: docs/guide.md has no section with the anchor #scrol (did you mean #scroll?)',
    );
    expect(result.stderr).not.toContain('src/good.ts');
  });

  it('fails on a cited file that does not exist', async () => {
    const root = tree({ 'test/bad.test.ts': "it('holds docs/missing.md#scroll', () => {});\n" });
    const result = await check(root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'test/bad.test.ts:1: docs/missing.md#scroll: docs/missing.md does not exist',
    );
  });

  it('fails on the old forms, saying what to cite instead', async () => {
    const root = tree({
      'src/old.ts': [
        '// Expires after a minute (intercom-notes.md §2).',
        '// Postgres holds the state (design principle 1).',
      ].join('\n'),
      'README.md': 'Read design.md first.\n',
    });
    const result = await check(root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('src/old.ts:1: cites intercom-notes.md, which is not in the repository');
    expect(result.stderr).toContain(
      'src/old.ts:2: cites a design principle by number: cite docs/design.md#principle-N',
    );
    expect(result.stderr).toContain('README.md:1: names design.md, which is not under docs/');
  });

  it('fails on a broken link inside docs/ and ignores headings inside code fences', async () => {
    const root = tree({ 'docs/third.md': '# Third\n[gone](guide.md#not-a-heading-inside-a-fence)\n' });
    const result = await check(root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'docs/third.md:2: link guide.md#not-a-heading-inside-a-fence: docs/guide.md has no section',
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(2);
  });
});
