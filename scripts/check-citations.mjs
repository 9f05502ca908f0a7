#!/usr/bin/env node
// Fails when a citation names a docs file or section that does not exist, or uses an old form that
// pointed outside the repository. The one form: docs/<file>.md#<anchor> (docs/README.md#citations).
//
// Usage: node scripts/check-citations.mjs [root]   (root defaults to this repository)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';

/** What is scanned, relative to the root: folders are walked, files read as they are. */
const SCANNED = ['src', 'test', 'bench', 'migrations', 'scripts', 'README.md', 'docs'];
const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|sh|sql|md)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.services', '.git']);
/** Not scanned: the citation tools and their tests spell out old forms and made-up citations on purpose. */
export const TOOLS = new Set([
  'scripts/check-citations.mjs',
  'scripts/rewrite-citations.mjs',
  'test/scripts/check-citations.test.ts',
  'test/scripts/rewrite-citations.test.ts',
]);

const HOW = 'cite docs/<file>.md#<anchor>';

/** Old citation forms, each with the message that says what to write instead. First match per line wins. */
const OLD_FORMS = [
  {
    pattern: /intercom-notes/i,
    message: `cites intercom-notes.md, which is not in the repository: ${HOW}, e.g. docs/intercom-api.md#scroll`,
  },
  {
    pattern: /(?<![\w-])prior-art\.md/i,
    message: `cites prior-art.md, which is not in the repository: ${HOW}`,
  },
  {
    pattern: /(?<![\w-])((?:[\w.-]+\/)*)(design|style)\.md/i,
    unless: (match) => /^(\.\/)?docs\/$/.test(match[1]),
    message: (match) =>
      `names ${match[0]}, which is not under docs/: cite docs/${match[2].toLowerCase()}.md#<anchor>`,
  },
  {
    pattern: /\bprinciples? \d/i,
    message: `cites a design principle by number: cite docs/design.md#principle-N`,
  },
  {
    pattern: /\bhabits? \d/i,
    message: `cites a style habit by number: cite docs/style.md#habit-N`,
  },
  {
    pattern: /\bdesign ["“]/i,
    message: `cites the design notes by a quoted heading: ${HOW}, e.g. docs/design.md#data-flows`,
  },
  {
    pattern: /§/,
    message: `cites a "§" section number: ${HOW}`,
  },
];

/** A bare citation in the one form; the anchor is optional. */
const CITATION = /(?<![\w./-])docs\/((?:[\w.-]+\/)*[\w.-]+\.md)(?:#([\w-]+))?/g;
/** A markdown link or image target: `](target)` or `](target "title")`. */
const MARKDOWN_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;
const EXPLICIT_ANCHOR = /<a\s+(?:id|name)\s*=\s*"([^"]+)"/g;

/**
 * Every problem with the citations under `root`, in file and line order.
 * @example const problems = checkCitations('/path/to/repo'); // [{ file: 'src/a.ts', line: 3, message: '…' }]
 */
export function checkCitations(root) {
  const anchors = anchorIndex(root);
  const problems = [];
  let citations = 0;
  const files = scannedFiles(root).filter((file) => !TOOLS.has(file));
  for (const file of files) {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    const isMarkdown = file.endsWith('.md');
    const inDocs = file.startsWith('docs/');
    const code = isMarkdown ? codeLines(lines) : new Set();
    const seen = new Set();
    const report = (line, message) => {
      const key = `${line}\0${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      problems.push({ file, line, message });
    };
    lines.forEach((text, index) => {
      const line = index + 1;
      for (const match of text.matchAll(CITATION)) {
        citations++;
        const problem = resolve(root, anchors, `docs/${match[1]}`, match[2]);
        if (problem) report(line, `${match[0]}: ${problem}`);
      }
      if (isMarkdown && !code.has(index)) {
        for (const match of text.matchAll(MARKDOWN_LINK)) {
          const problem = checkLink(root, anchors, file, match[1]);
          if (problem !== undefined) citations++;
          if (problem) report(line, `link ${match[1]}: ${problem}`);
        }
      }
      if (!inDocs) {
        const old = oldForm(text);
        if (old) report(line, old);
      }
    });
  }
  return { problems, citations, files: files.length };
}

function oldForm(text) {
  for (const form of OLD_FORMS) {
    const match = form.pattern.exec(text);
    if (!match || form.unless?.(match)) continue;
    return typeof form.message === 'function' ? form.message(match) : form.message;
  }
  return undefined;
}

/** Why `file#anchor` does not resolve, or undefined when it does. */
function resolve(root, anchors, file, anchor) {
  const full = path.join(root, file);
  if (!existsSync(full) || !statSync(full).isFile()) return `${file} does not exist`;
  if (anchor === undefined || !file.endsWith('.md')) return undefined;
  const known = anchors(file);
  if (known.has(anchor)) return undefined;
  const near = nearest(anchor, known);
  return `${file} has no section with the anchor #${anchor}` + (near ? ` (did you mean #${near}?)` : '');
}

/** Undefined for links this check does not follow (URLs); '' for a good link; the reason for a bad one. */
function checkLink(root, anchors, from, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const [pathPart, anchor] = splitAnchor(target);
  const file =
    pathPart === '' ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), pathPart));
  if (file.startsWith('..')) return `points outside the repository`;
  return resolve(root, anchors, file, anchor) ?? '';
}

function splitAnchor(target) {
  const hash = target.indexOf('#');
  return hash < 0 ? [target, undefined] : [target.slice(0, hash), decodeURIComponent(target.slice(hash + 1))];
}

/** Anchors of a markdown file, read once: GitHub's heading slugs plus explicit `<a id="…">` anchors. */
function anchorIndex(root) {
  const cache = new Map();
  return (file) => {
    if (!cache.has(file)) cache.set(file, anchorsOf(readFileSync(path.join(root, file), 'utf8')));
    return cache.get(file);
  };
}

function anchorsOf(markdown) {
  const lines = markdown.split('\n');
  const code = codeLines(lines);
  const slugger = new GithubSlugger();
  const anchors = new Set();
  lines.forEach((text, index) => {
    if (code.has(index)) return;
    const heading = HEADING.exec(text);
    if (heading) anchors.add(slugger.slug(headingText(heading[1])));
    for (const match of text.matchAll(EXPLICIT_ANCHOR)) anchors.add(match[1]);
  });
  return anchors;
}

/** A heading as GitHub renders it before slugging: tags dropped, links reduced to their text. */
function headingText(raw) {
  return raw
    .replace(/<[^>]*>/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim();
}

/** Indexes of the lines inside fenced code blocks (and the fences), which hold no headings or links. */
function codeLines(lines) {
  const inside = new Set();
  let fence;
  lines.forEach((text, index) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      inside.add(index);
    } else if (fence !== undefined) {
      inside.add(index);
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    }
  });
  return inside;
}

/** Files the check reads, relative to `root`, in a stable order. */
export function scannedFiles(root) {
  const files = [];
  const walk = (relative) => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) {
        if (!SKIPPED_DIRS.has(entry)) walk(path.posix.join(relative, entry));
      }
    } else if (TEXT_FILE.test(relative)) {
      files.push(relative);
    }
  };
  for (const entry of SCANNED) walk(entry);
  return files;
}

/** The known anchor closest to a mistyped one, if any is close enough to be a likely typo. */
function nearest(anchor, known) {
  let best;
  let bestDistance = Math.max(3, Math.floor(anchor.length / 3)) + 1;
  for (const candidate of known) {
    const distance =
      candidate.startsWith(anchor) || anchor.startsWith(candidate) ? 1 : editDistance(anchor, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const { problems, citations, files } = checkCitations(root);
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (problems.length > 0) {
    const where = new Set(problems.map((p) => p.file)).size;
    console.error(
      `citations: ${problems.length} problem(s) in ${where} file(s). The one form is docs/<file>.md#<anchor> ` +
        '(docs/README.md#citations); node scripts/rewrite-citations.mjs rewrites the old forms.',
    );
    process.exit(1);
  }
  console.log(`citations: ${citations} in ${files} files resolve, no old forms`);
}
