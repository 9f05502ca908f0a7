// The citation rewrite on a tree with the real docs/: old forms become docs/<file>.md#<anchor> with
// the section their words point to, a second run changes nothing, and the result passes the check.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const script = path.join(repo, 'scripts/rewrite-citations.mjs');

const before = [
  '// One open scroll per workspace (intercom-notes.md §2), expired after a minute idle (notes §2).',
  '/** Search compares dates by day and indexes changes minutes late (intercom-notes.md §3). */',
  '// The create conflict names the contact (intercom-notes.md §4, §7).',
  '// Losing Redis loses nothing (design principle 1); dependencies passed in (style habit 1).',
  '/** Applies only when not older (principle 2); 429s wait (design.md §5). */',
  ' * Intercom embeds at most 10 entries',
  ' * (design "Data flows"), so `complete` says whether the list is whole.',
  '// Same-day changes are lost otherwise (prior-art.md §4.2).',
].join('\n');

const after = [
  '// One open scroll per workspace (docs/intercom-api.md#one-scroll-at-a-time), expired after a minute idle',
  '// (docs/intercom-api.md#scroll-expiry).',
  '/**',
  ' * Search compares dates by day and indexes changes minutes late',
  ' * (docs/intercom-api.md#timestamps-compare-by-day, docs/intercom-api.md#index-lag).',
  ' */',
  '// The create conflict names the contact (docs/intercom-api.md#create-conflicts,',
  '// docs/intercom-api.md#identity).',
  '// Losing Redis loses nothing (docs/design.md#principle-1); dependencies passed in (docs/style.md#habit-1).',
  '/** Applies only when not older (docs/design.md#principle-2); 429s wait (docs/design.md#principle-5). */',
  ' * Intercom embeds at most 10 entries',
  ' * (docs/design.md#embedded-lists-and-notes), so `complete` says whether the list is whole.',
  '// Same-day changes are lost otherwise (docs/design.md#incremental-sync).',
].join('\n');

let roots: string[] = [];
afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  roots = [];
});

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function treeWith(file: string, text: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'rewrite-'));
  roots.push(root);
  cpSync(path.join(repo, 'docs'), path.join(root, 'docs'), { recursive: true });
  cpSync(path.join(repo, 'README.md'), path.join(root, 'README.md')); // docs/ links to its sections
  cpSync(path.join(repo, 'deploy'), path.join(root, 'deploy'), { recursive: true }); // README links into it
  cpSync(path.join(repo, '.prettierrc.json'), path.join(root, '.prettierrc.json')); // the width to wrap at
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
  return root;
}

describe('rewrite-citations', () => {
  it('rewrites each old form to the section its words name, and the tree then passes the check', async () => {
    const root = treeWith('src/flow.ts', before);
    const first = await run(root);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(readFileSync(path.join(root, 'src/flow.ts'), 'utf8')).toBe(after);
    expect(first.stdout).toContain('rewrote 7 line(s)');
    expect(first.stdout).toContain('citations: all resolve');
  });

  it('wraps a comment the longer citation pushes past the print width into the next line', async () => {
    const root = treeWith(
      'src/wrap.ts',
      [
        '  // A lead created with an external_id ignores it and Intercom assigns one (intercom-notes.md §7), so',
        '  // the push reads it back.',
        '',
      ].join('\n'),
    );
    await run(root);
    expect(readFileSync(path.join(root, 'src/wrap.ts'), 'utf8')).toBe(
      [
        '  // A lead created with an external_id ignores it and Intercom assigns one',
        '  // (docs/intercom-api.md#roles-and-leads), so the push reads it back.',
        '',
      ].join('\n'),
    );
  });

  it('changes nothing on a second run', async () => {
    const root = treeWith('src/flow.ts', before);
    await run(root);
    const second = await run(root);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('rewrote 0 line(s)');
    expect(readFileSync(path.join(root, 'src/flow.ts'), 'utf8')).toBe(after);
  });

  it('leaves what it cannot map and fails, naming the line', async () => {
    const root = treeWith('bench/load.ts', '// As the survey says (prior-art.md §9.9).\n');
    const result = await run(root);
    expect(result.code).toBe(1);
    expect(readFileSync(path.join(root, 'bench/load.ts'), 'utf8')).toBe(
      '// As the survey says (prior-art.md §9.9).\n',
    );
    expect(result.stderr).toContain('bench/load.ts:1: cites prior-art.md');
  });

  it('writes nothing with --dry-run', async () => {
    const root = treeWith('src/flow.ts', before);
    const result = await run(root, '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would rewrite 7 line(s)');
    expect(readFileSync(path.join(root, 'src/flow.ts'), 'utf8')).toBe(before);
  });
});
