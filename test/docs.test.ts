// The documentation holds together: the README stays a five-minute read, every doc is reachable
// from it, and every relative link in the README and docs/*.md, anchors included, leads somewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(ROOT, 'docs', name));

/** The README's bound: what a newcomer reads in five minutes. */
const README_MAX_LINES = 200;

/** Markdown without its fenced code blocks, whose brackets and hashes are code, not links or headings. */
function prose(file: string): string {
  return readFileSync(file, 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped (but - and _), spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** Every anchor of a file, with GitHub's -1, -2 ... for headings that repeat. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of prose(file).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

/** The relative links of a file: `[text](target)`, without external addresses. */
function relativeLinks(file: string): string[] {
  return [...prose(file).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}

describe('the documentation', () => {
  it(`keeps the README within ${README_MAX_LINES} lines`, () => {
    expect(readFileSync(README, 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('links every doc from the README', () => {
    const linked = new Set(relativeLinks(README).map((target) => resolve(ROOT, target.split('#')[0]!)));
    expect(DOCS.filter((doc) => !linked.has(doc)).map((doc) => relative(ROOT, doc))).toEqual([]);
  });

  it.each([README, ...DOCS].map((file) => [relative(ROOT, file), file]))('%s: every relative link and anchor resolves', (_name, file) => {
    const broken: string[] = [];
    for (const target of relativeLinks(file)) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const linked = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(linked)) broken.push(`${target}: no such file`);
      else if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(linked).has(anchor)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});
