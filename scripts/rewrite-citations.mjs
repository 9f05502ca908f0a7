#!/usr/bin/env node
// Rewrites the old citation forms (notes "§N", "design principle N", "style habit N", design
// headings) into docs/<file>.md#<anchor>, choosing each anchor from the words around the citation.
// Idempotent: a rewritten line holds nothing it matches. Ends by running the citation check.
//
// Usage: node scripts/rewrite-citations.mjs [root] [--dry-run]
//   --dry-run  prints each change (file:line, before and after) and writes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { checkCitations, scannedFiles, TOOLS } from './check-citations.mjs';

const API = 'docs/intercom-api.md';
const DESIGN = 'docs/design.md';
const STYLE = 'docs/style.md';

/** The sections of the old notes file and the docs/intercom-api.md section each became. */
const NOTES_SECTIONS = {
  1: 'rate-limits',
  2: 'scroll',
  3: 'search',
  4: 'errors',
  5: 'webhooks',
  6: 'companies',
  7: 'identity',
  8: 'versioning',
};

/** Sections of the old peer survey that a citation may name, and where their point now lives. */
const PRIOR_ART_SECTIONS = { 4.2: `${DESIGN}#incremental-sync` };

/**
 * Phrases whose citation names several facts: per old notes section, the anchors to cite. Checked
 * before the per-section rules, on the citation's line and then on the line before it.
 */
const PHRASES = [
  [/wait or restart|scroll with the live rules|expires or breaks/, { 2: ['scroll'] }],
  [
    /live shapes where they differ from the spec/,
    { 2: ['scroll'], 4: ['error-envelope'], 6: ['company-listing'], 7: ['archive-delete-merge'] },
  ],
  [
    /companies attached and detached, tags, and notes/,
    { 6: ['attaching-contacts'], 7: ['tags-and-segments', 'notes'] },
  ],
  [/user→lead refused, archive/, { 4: ['create-conflicts'], 7: ['roles-and-leads', 'archive-delete-merge'] }],
  [/email or external_id; a user cannot become a lead/, { 7: ['identity', 'roles-and-leads'] }],
  [/for the create conflict/, { 4: ['create-conflicts'], 7: ['identity'] }],
  [/cursor pages|numbered pages/, { 2: ['company-listing'], 3: ['listing-contacts'] }],
  [/Hand-written payloads/, { 6: ['company-object'], 7: ['the-contact-object'] }],
  [/A list response in any of the shapes/, { 3: ['listing-contacts'], 6: ['company-listing'] }],
  [/X-RateLimit-\* headers and the live 429/, { 1: ['windows-and-headers', 'the-429-answer'] }],
];

/**
 * Per old notes section: [words, anchors] in order, first match wins. A rule given as `all` collects
 * the anchors of every pair that matches (a comment about two facts cites both).
 */
const SUBSECTIONS = {
  1: [
    [/unit Intercom limits/, ['rate-limits']],
    [/header|window|limit\/6|10 s\b|166|phase|X-RateLimit|adopt them/i, ['windows-and-headers']],
    [/\b429\b/, ['the-429-answer']],
  ],
  2: [
    [/10[ ,]?000|refuses pages|list stops|listing stops/i, ['company-listing']],
    [
      /cannot be cancelled|one open scroll|one scroll|scroll_exists|stays open|back off/i,
      ['one-scroll-at-a-time'],
    ],
    [/restart|scroll operation|5xx|\b500\b/i, ['scroll-failures']],
    [/within a minute|expire|1 minute|idle/i, ['scroll-expiry']],
  ],
  3: [
    {
      all: [
        [
          /by day|day-granular|UTC day|midnight|Timestamp precision|compares dates/i,
          'timestamps-compare-by-day',
        ],
        [/index lag|minutes late|\blag\b|how late/i, 'index-lag'],
      ],
    },
    [
      /operator|nested|filters for each|Date fields|searchable fields|condition or an AND|descending|default order/i,
      ['search-operators-and-limits'],
    ],
    [/in the body|in the URL/i, ['search-requests']],
    [/pages\.next|last page|\bnext\b|per_page|\b150\b/i, ['listing-contacts']],
  ],
  4: [
    [/already exists|conflict|\b409\b|duplicate/i, ['create-conflicts']],
    [/1000 company/, ['attaching-contacts']],
    [/HTML|gateway|envelope|error body|5xx|carry none/i, ['error-envelope']],
  ],
  5: [
    [/merged_from/, ['webhook-item-shapes']],
    [/Delivers notifications/, ['webhooks']],
    [/signature|client secret|HMAC/i, ['webhook-signature']],
    [/\b5 s\b|twice|retr/i, ['webhook-delivery']],
    [/topic|famil|legacy|modern|≤2\.4|user\.\*/i, ['webhook-topics']],
    [/webhook notification|notification, checked/i, ['webhook-envelope']],
  ],
  6: [
    [/embeds?\b.*\b10\b|\b10 a contact embeds|at most 10|tail past the 10/i, ['lists-cut-at-10']],
    [/lookup|list of it|per page|not listed|without users|next: null|last page/i, ['company-listing']],
    [/names the array|example says `data`|under `data`/i, ['attaching-contacts']],
    [
      /create-or-update|company_id|POST \/companies|monthly_spend|only update in 2\.2|no update by id/i,
      ['create-or-update-by-company_id'],
    ],
    [/plan|tags and segments|company JSON/i, ['company-object']],
  ],
  7: [
    [/merg|archiv|delet|\b404|active|vanish|excludes|disappear/i, ['archive-delete-merge']],
    [/\blead|duplicate emails/i, ['roles-and-leads']],
    [/custom attributes/i, ['identity']],
    [/inline list|stops at 10/i, ['lists-cut-at-10']],
    [/contact JSON|contact object/i, ['the-contact-object']],
  ],
  8: [[/region/i, ['request-basics']]],
};

/**
 * Anchors of docs/intercom-api.md for a citation of old notes section `section`, from its context:
 * first the clause the citation closes, then its whole line, then the line before, but that only
 * when the citation opens its line (it then ends the previous line's sentence).
 */
function notesAnchors(section, { line, previous, opensLine, clause }, hint) {
  const lines = opensLine ? [`${line} ${hint}`, previous] : [`${line} ${hint}`];
  for (const text of lines) {
    for (const [words, anchors] of PHRASES) if (words.test(text) && anchors[section]) return anchors[section];
  }
  for (const text of [`${clause} ${hint}`, ...lines]) {
    for (const rule of SUBSECTIONS[section] ?? []) {
      if (Array.isArray(rule)) {
        if (rule[0].test(text)) return rule[1];
      } else {
        const anchors = rule.all.filter(([words]) => words.test(text)).map(([, anchor]) => anchor);
        if (anchors.length > 0) return anchors;
      }
    }
  }
  return NOTES_SECTIONS[section] ? [NOTES_SECTIONS[section]] : undefined;
}

/** The anchor in docs/design.md for a design heading cited by name, sharpened by its context. */
function designHeadingAnchor(heading, { line, previous, opensLine }) {
  const slug = new GithubSlugger().slug(heading);
  const context = opensLine ? `${previous} ${line}` : line;
  if (slug === 'data-flows' && /notes|embeds?|at most 10|has_more/i.test(context))
    return 'embedded-lists-and-notes';
  if (slug === 'interface' && /\bcommand|\bCLI\b/.test(line)) return 'cli';
  return slug;
}

/** The old forms, in the order they are tried on each line, with what replaces a match. */
const REWRITES = [
  {
    // intercom-notes.md §3, §6 · notes §7 "Merge" · intercom-notes §6-7 · §6 example
    pattern:
      /\b(?:intercom-notes(?:\.md)?|notes)\s*§\s*(\d+)((?:\s*(?:,|-|–)\s*§?\s*\d+)*)(?:\s+"([^"]{1,40})")?(?:\s+example\b)?/g,
    replace: (match, context) => {
      const [, first, rest, hint = ''] = match;
      const numbers = [Number(first), ...[...rest.matchAll(/\d+/g)].map((m) => Number(m[0]))];
      const sections = /[-–]/.test(rest) ? range(numbers[0], numbers[numbers.length - 1]) : numbers;
      const anchors = [];
      for (const section of sections) {
        const found = notesAnchors(section, context, hint);
        if (!found) return undefined;
        anchors.push(...found);
      }
      return [...new Set(anchors)].map((a) => `${API}#${a}`).join(', ');
    },
  },
  { pattern: /(?<![\w/.-])design\.md\s*§\s*(\d+)/g, replace: (m) => `${DESIGN}#principle-${m[1]}` },
  {
    pattern: /(?<![\w/.-])prior-art\.md\s*§\s*([\d.]*\d)/g,
    replace: (m) => PRIOR_ART_SECTIONS[m[1]],
  },
  { pattern: /\b(?:design )?principle (\d+)\b/gi, replace: (m) => `${DESIGN}#principle-${m[1]}` },
  { pattern: /\b(?:style )?habit (\d+)\b/gi, replace: (m) => `${STYLE}#habit-${m[1]}` },
  {
    // design "Data flows" · design.md "Interface" · design.md, data flows
    pattern: /(?<![\w/.-])design(?:\.md)?,?\s*(?:"([^"]+)"|\b(data flows|interface)\b)/gi,
    replace: (m, context) => `${DESIGN}#${designHeadingAnchor(m[1] ?? m[2], context)}`,
  },
  {
    pattern: /(?<![\w/.-])design\.md\b/g,
    replace: (m, { line }) => (/\bcommand/.test(line) ? `${DESIGN}#cli` : DESIGN),
  },
  { pattern: /(?<![\w/.-])intercom-notes\.md\b/g, replace: () => API },
  // Not a citation but the same kind of dangling pointer: there is no sandbox mutations.ts.
  {
    pattern: /(?<![\w-])mutations\.ts decides/g,
    replace: () => 'contact-mutations.ts, company-mutations.ts and link-mutations.ts decide',
  },
];

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** One line rewritten; unchanged when it holds no old form (or only ones this script cannot map). */
function rewriteLine(line, previous) {
  let text = line;
  for (const { pattern, replace } of REWRITES) {
    let clauseStart = 0;
    text = text.replace(pattern, (...args) => {
      const match = args.slice(0, -2);
      const offset = args[args.length - 2];
      const whole = args[args.length - 1];
      const opensLine = /^[\s*/#-]*\(?$/.test(whole.slice(0, offset));
      const clause = whole.slice(clauseStart, offset);
      clauseStart = offset + match[0].length;
      return replace(match, { line, previous, opensLine, clause }) ?? match[0];
    });
  }
  return text;
}

/**
 * Rewrites every scanned file under `root`; returns the changes made (or that would be, with dryRun).
 * A rewritten comment line longer than prettier's print width is wrapped.
 * @example rewriteCitations('/path/to/repo', { dryRun: true }).forEach((c) => console.log(c.file, c.line, c.after));
 */
export function rewriteCitations(root, { dryRun = false } = {}) {
  const width = printWidth(root);
  const changes = [];
  for (const file of scannedFiles(root)) {
    if (file.startsWith('docs/') || TOOLS.has(file)) continue;
    const full = path.join(root, file);
    const lines = readFileSync(full, 'utf8').split('\n');
    const rewritten = lines.map((line, index) => rewriteLine(line, index > 0 ? lines[index - 1] : ''));
    const out = [];
    let changed = false;
    for (let index = 0; index < lines.length; index++) {
      if (rewritten[index] === lines[index]) {
        out.push(lines[index]);
        continue;
      }
      changed = true;
      const first = index;
      const wrapped =
        rewritten[index].length > width
          ? wrapComment(rewritten[index], rewritten[index + 1], width)
          : undefined;
      const after = wrapped ? wrapped.lines : [rewritten[index]];
      if (wrapped?.joinedNext) index++;
      out.push(...after);
      const before = lines.slice(first, index + 1).join('\n');
      changes.push({ file, line: first + 1, before, after: after.join('\n') });
    }
    if (changed && !dryRun) writeFileSync(full, out.join('\n'));
  }
  return changes;
}

/** prettier's printWidth from the root's .prettierrc.json, else prettier's default. */
function printWidth(root) {
  try {
    return JSON.parse(readFileSync(path.join(root, '.prettierrc.json'), 'utf8')).printWidth ?? 80;
  } catch {
    return 80;
  }
}

/**
 * A comment line (`//`, ` * `, `-- `, or a one-line doc comment) split at the last space that fits,
 * the rest joined to the next line when that line continues the same comment and the two fit.
 * Undefined for anything else (code with a trailing comment stays as it is).
 */
function wrapComment(line, next, width) {
  const oneLineDoc = /^(\s*)\/\*\* (.*) \*\/$/.exec(line);
  if (oneLineDoc) {
    const [, indent, text] = oneLineDoc;
    const body = wrapText(`${indent} * `, text, width);
    return body && { lines: [`${indent}/**`, ...body, `${indent} */`], joinedNext: false };
  }
  const comment = /^(\s*(?:\/\/|\*|--) )(.*)$/.exec(line);
  if (!comment) return undefined;
  const [, prefix, text] = comment;
  const split = wrapText(prefix, text, width);
  if (!split) return undefined;
  const rest = split[split.length - 1].slice(prefix.length);
  const continues =
    next?.startsWith(prefix) &&
    /^[^\s@|*-]/.test(next.slice(prefix.length)) &&
    !/^\d+\./.test(next.slice(prefix.length));
  if (continues && prefix.length + rest.length + 1 + next.length - prefix.length <= width) {
    return {
      lines: [...split.slice(0, -1), `${prefix}${rest} ${next.slice(prefix.length)}`],
      joinedNext: true,
    };
  }
  return { lines: split, joinedNext: false };
}

/** `text` as lines of at most `width` characters each starting with `prefix`, split at spaces outside backticks. */
function wrapText(prefix, text, width) {
  const lines = [];
  let rest = text;
  while (prefix.length + rest.length > width) {
    let cut = -1;
    let ticks = 0;
    for (let i = 0; i < rest.length && prefix.length + i <= width; i++) {
      if (rest[i] === '`') ticks++;
      if (rest[i] === ' ' && ticks % 2 === 0) cut = i;
    }
    if (cut <= 0) return lines.length > 0 ? [...lines, prefix + rest] : undefined;
    lines.push(prefix + rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  return [...lines, prefix + rest];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const root = path.resolve(
    args.find((a) => !a.startsWith('--')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
  );
  const changes = rewriteCitations(root, { dryRun });
  const show = (sign, text) =>
    text
      .split('\n')
      .map((l) => `  ${sign} ${l.trim()}`)
      .join('\n');
  for (const c of changes) console.log(`${c.file}:${c.line}\n${show('-', c.before)}\n${show('+', c.after)}`);
  console.log(`${dryRun ? 'would rewrite' : 'rewrote'} ${changes.length} line(s)`);
  if (!dryRun) {
    const { problems } = checkCitations(root);
    for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
    if (problems.length > 0) {
      console.error(`citations: ${problems.length} left that this script cannot map; fix them by hand`);
      process.exit(1);
    }
    console.log('citations: all resolve');
  }
}
