/**
 * Links between the documentation's pages: every relative link in README.md,
 * CONTRIBUTING.md (once it exists) and docs/*.md must name a file or folder of
 * the repository and, with an #anchor, a heading of the page it points to, slugged
 * as GitHub slugs headings. Links in code (fenced blocks, inline spans) and to
 * the web are not checked, but a repository path quoted in inline code must
 * exist.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The pages a reader moves between: the README, CONTRIBUTING.md when present, and every page of docs/. */
function documentationPages(root: string): string[] {
  const docs = join(root, 'docs');
  const pages = ['README.md', 'CONTRIBUTING.md'].map((name) => join(root, name)).filter((path) => existsSync(path));
  if (!existsSync(docs)) return pages;
  return [...pages, ...readdirSync(docs).filter((name) => name.endsWith('.md')).sort().map((name) => join(docs, name))];
}

/** The page's text outside fenced code blocks; fenced lines become empty so a block's `# comment` is no heading. */
function withoutFences(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker === undefined) return line;
      fence = marker;
      return '';
    }
    if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    return '';
  });
}

/** GitHub's slug for a heading (github-slugger): its text lower-cased, punctuation but `-` and `_` dropped, spaces as `-`. */
function slugOf(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/[`*]/g, '');
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every heading's anchor on a page, in order; a repeated slug gets `-1`, `-2`, … as on GitHub. */
function anchorsOf(markdown: string): Set<string> {
  const occurrences = new Map<string, number>();
  for (const line of withoutFences(markdown)) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = slugOf(heading);
    let anchor = slug;
    while (occurrences.has(anchor)) {
      occurrences.set(slug, occurrences.get(slug)! + 1);
      anchor = `${slug}-${occurrences.get(slug)}`;
    }
    occurrences.set(anchor, 0);
  }
  return new Set(occurrences.keys());
}

interface Link { readonly text: string; readonly target: string }

/** The page's links, inline (`[text](target)`, images too) and reference definitions, outside code. */
function linksOf(markdown: string): Link[] {
  const prose = withoutFences(markdown).join('\n').replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, ' ');
  const inline = [...prose.matchAll(/!?\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)]
    .map((match) => ({ text: match[1]!, target: match[2]! }));
  const definitions = [...prose.matchAll(/^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)/gm)]
    .map((match) => ({ text: match[1]!, target: match[2]! }));
  return [...inline, ...definitions];
}

/** What is wrong with one link from `page`, or undefined when it leads somewhere. */
function problemWith(root: string, page: string, target: string): string | undefined {
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? page : resolve(dirname(page), path);
  const inRepository = relative(root, file);
  if (inRepository.startsWith('..') || isAbsolute(inRepository)) return `${path} is outside the repository`;
  if (!existsSync(file)) return `no file ${inRepository}`;
  if (anchor === undefined || !statSync(file).isFile() || !file.endsWith('.md')) return undefined;
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor) ? undefined : `no heading #${anchor} in ${inRepository}`;
}

/** Each broken link of the pages, as `page: [text](target): what is wrong`. */
function brokenLinks(root: string, pages: readonly string[]): string[] {
  return pages.flatMap((page) => linksOf(readFileSync(page, 'utf8'))
    .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target))
    .flatMap((link) => {
      const problem = problemWith(root, page, link.target);
      return problem === undefined ? [] : [`${relative(root, page)}: [${link.text}](${link.target}): ${problem}`];
    }));
}

/** Repository paths the pages name in inline code (`lambda/core/...ts`): each must still exist, so a moved file cannot leave the docs pointing at nothing. */
function staleSourcePaths(root: string, pages: readonly string[]): string[] {
  return pages.flatMap((page) => {
    const prose = withoutFences(readFileSync(page, 'utf8')).join('\n');
    const named = [...prose.matchAll(/`((?:lambda|lib|bin|test|docs)\/[\w./-]+\.(?:ts|cjs|json|md))`/g)].map((match) => match[1]!);
    return [...new Set(named)].filter((path) => !existsSync(join(root, path))).map((path) => `${relative(root, page)}: \`${path}\` does not exist`);
  });
}

describe('documentation links', () => {
  it('finds every linked file, folder and heading when README.md, CONTRIBUTING.md and docs/*.md link to each other', () => {
    const pages = documentationPages(ROOT);
    expect(pages.map((page) => relative(ROOT, page))).toEqual(expect.arrayContaining(['README.md', join('docs', 'api.md')]));
    expect(brokenLinks(ROOT, pages)).toEqual([]);
  });

  it('names only source files that exist when a page quotes a path in inline code', () => {
    expect(staleSourcePaths(ROOT, documentationPages(ROOT))).toEqual([]);
  });

  describe('on pages written for the test', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'switchyard-links-'));
      mkdirSync(join(root, 'docs'));
      mkdirSync(join(root, 'lambda'));
      writeFileSync(join(root, 'lambda', 'router.ts'), '');
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('reports each broken link when a page names a missing file, an unknown heading or a path outside the repository', () => {
      writeFileSync(join(root, 'README.md'), [
        '# Intro', '', '## Intro', '',
        'Fine: [here](#intro-1), [page](docs/guide.md#local-settings-npm-start), [folder](lambda), [source](lambda/router.ts#L3).',
        'Broken: [gone](docs/gone.md), [heading](docs/guide.md#local-settings), [self](#intro-2), [out](../elsewhere.md).',
      ].join('\n'));
      writeFileSync(join(root, 'docs', 'guide.md'), '# Guide\n\n## Local settings (`npm start`)\n\nBack: [home](../README.md#intro), [typo](../README.md#intr0)\n');
      writeFileSync(join(root, 'CONTRIBUTING.md'), 'See [the guide](docs/guide.md) and [the old one](docs/old.md).\n');

      expect(brokenLinks(root, documentationPages(root))).toEqual([
        'README.md: [gone](docs/gone.md): no file docs/gone.md',
        'README.md: [heading](docs/guide.md#local-settings): no heading #local-settings in docs/guide.md',
        'README.md: [self](#intro-2): no heading #intro-2 in README.md',
        'README.md: [out](../elsewhere.md): ../elsewhere.md is outside the repository',
        'CONTRIBUTING.md: [the old one](docs/old.md): no file docs/old.md',
        'docs/guide.md: [typo](../README.md#intr0): no heading #intr0 in README.md',
      ]);
    });

    it('reports a source path quoted in inline code when the file has moved, and not one in a fence', () => {
      writeFileSync(join(root, 'README.md'), ['Kept: `lambda/router.ts`. Moved: `lambda/core/gone.ts`.', '```', '`lambda/fenced.ts`', '```'].join('\n'));
      expect(staleSourcePaths(root, documentationPages(root))).toEqual(['README.md: `lambda/core/gone.ts` does not exist']);
    });

    it('passes over links when they sit in fenced code, in inline code or point to the web', () => {
      writeFileSync(join(root, 'README.md'), [
        '# Intro', '', '```md', '# Not a heading', '[in a fence](missing.md)', '```', '',
        'Inline `[in code](missing.md)` and a span over two lines, `a [b](missing.md)', 'c`.',
        '[web](https://example.com/x.md), [mail](mailto:ops@example.com), [fine](#intro).',
        '~~~~', '```', '[in a tilde fence](missing.md)', '~~~~',
      ].join('\n'));

      expect(brokenLinks(root, documentationPages(root))).toEqual([]);
      expect([...anchorsOf(readFileSync(join(root, 'README.md'), 'utf8'))]).toEqual(['intro']);
    });
  });

  it('slugs headings as GitHub does when they carry code, punctuation or repeat', () => {
    const page = [
      '# Switchyard', '## Local settings (`npm start`)', '## Fallback, retries and circuit breaking', "## API Gateway's logging role",
      '## Hot items at 1,000 requests/s', '### Classifier v1', '## Intro', '## Intro', '## Intro-1', '## [Linked](x.md) **bold** heading ##',
    ].join('\n');
    expect([...anchorsOf(page)]).toEqual([
      'switchyard', 'local-settings-npm-start', 'fallback-retries-and-circuit-breaking', 'api-gateways-logging-role',
      'hot-items-at-1000-requestss', 'classifier-v1', 'intro', 'intro-1', 'intro-1-1', 'linked-bold-heading',
    ]);
  });
});
