/**
 * The layout's rules, checked on every run so they hold from now on: imports
 * run one way with no cycle (type-only imports included), handlers stay at the
 * edge, the core stays free of AWS, and files and folders stay small enough to
 * read, each folder saying what it is for.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { filesUnder, importCycles, importGraph, openingComment, ROOT, type ImportEdge } from '../support/import-graph';

const SOURCE_FOLDERS = ['lambda', 'lib', 'bin'];
const sources = filesUnder(SOURCE_FOLDERS);
const graph = importGraph(sources);
const edges = [...graph.values()].flat();

const describeEdges = (found: readonly ImportEdge[]) => found.map(({ from, specifier }) => `${from} imports ${specifier}`);

/** The most lines a source file may have; the policy's schema is one long declaration and is exempt. */
const MAX_LINES = 350;
const LONG_BY_NATURE = new Set(['lambda/policy/schema.ts']);
const MAX_FILES_PER_FOLDER = 12;

describe('the code layout', () => {
  it('has no import cycle in lambda/, lib/ or bin/, type-only imports included', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a cycle when two files import each other, so the check above checks something', () => {
    const edge = (from: string, to: string) => ({ from, to, specifier: to });
    const cyclic = new Map([
      ['a.ts', [edge('a.ts', 'b.ts')]],
      ['b.ts', [edge('b.ts', 'c.ts')]],
      ['c.ts', [edge('c.ts', 'a.ts')]],
      ['d.ts', [edge('d.ts', 'a.ts')]],
    ]);
    expect(importCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps the handlers at the edge: no adapter, core module, provider or lib/ file imports one', () => {
    const inward = edges.filter(({ from, to }) => to.startsWith('lambda/handlers/') && !from.startsWith('lambda/handlers/') && !from.startsWith('lambda/local/') && !from.startsWith('bin/'));
    expect(describeEdges(inward)).toEqual([]);
  });

  it('keeps the deployment contract in a module that lib/ and lambda/ both import', () => {
    const readers = new Set(edges.filter(({ to }) => to === 'lambda/contract/deployment.ts').map(({ from }) => from.split('/')[0]));
    expect([...readers]).toEqual(expect.arrayContaining(['lambda', 'lib']));
  });

  it('keeps providers and surfaces apart: they meet only in the request model', () => {
    const crossing = edges.filter(
      ({ from, to }) => (from.startsWith('lambda/providers/') && to.startsWith('lambda/core/surfaces/')) || (from.startsWith('lambda/core/surfaces/') && to.startsWith('lambda/providers/')),
    );
    expect(describeEdges(crossing)).toEqual([]);
  });

  it('keeps the surfaces and the gateway above the rest of the core: nothing below them imports them', () => {
    const below = /^lambda\/(core\/(model|content|base|routing|execution|accounting|features)|policy|providers|adapters)\//;
    const upward = edges.filter(({ from, to }) => below.test(from) && /^lambda\/core\/(surfaces|gateway)\//.test(to));
    expect(describeEdges(upward)).toEqual([]);
  });

  it('keeps bin/ free of test support: benchmarks and tools run on product code only', () => {
    expect(describeEdges(edges.filter(({ from, to }) => from.startsWith('bin/') && to.startsWith('test/')))).toEqual([]);
  });

  it('keeps lambda/core free of AWS SDKs, middy, Lambda types and the process environment', () => {
    const core = sources.filter((file) => file.startsWith('lambda/core/'));
    const found = core.flatMap((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const problems = [...text.matchAll(/from '(@aws-sdk\/[^']+|@middy\/[^']+|aws-lambda|@aws-lambda-powertools\/[^']+)'/g)].map((match) => `${file} imports ${match[1]}`);
      if (/process\.env/.test(text)) problems.push(`${file} reads process.env`);
      return problems;
    });
    expect(found).toEqual([]);
  });

  it('keeps the request model to types: lambda/core/model has no code that runs, and imports no surface or provider', () => {
    const model = sources.filter((file) => file.startsWith('lambda/core/model/'));
    expect(model.length).toBeGreaterThan(5);
    const running = model.flatMap((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const statements = text.match(/^(export )?(const|let|var|function|class|enum) /gm) ?? [];
      const valueImports = text.match(/^import (?!type )/gm) ?? [];
      return [...statements, ...valueImports].map((statement) => `${file}: ${statement.trim()}`);
    });
    expect(running).toEqual([]);
    const outward = edges.filter(({ from, to }) => from.startsWith('lambda/core/model/') && /^lambda\/(core\/surfaces|providers)\//.test(to));
    expect(describeEdges(outward)).toEqual([]);
  });

  it(`keeps every source file to ${MAX_LINES} lines, the policy schema aside`, () => {
    const long = sources
      .filter((file) => !LONG_BY_NATURE.has(file))
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it(`keeps every folder under lambda/ to ${MAX_FILES_PER_FOLDER} files`, () => {
    const crowded = folders('lambda')
      .map((folder) => ({ folder, files: readdirSync(join(ROOT, folder)).filter((name) => statSync(join(ROOT, folder, name)).isFile()).length }))
      .filter(({ files }) => files > MAX_FILES_PER_FOLDER)
      .map(({ folder, files }) => `${folder}: ${files} files`);
    expect(crowded).toEqual([]);
  });

  it('says what each source folder is for in the opening comment of its first file', () => {
    const silent = SOURCE_FOLDERS.flatMap(folders).flatMap((folder) => {
      const first = readdirSync(join(ROOT, folder))
        .filter((name) => name.endsWith('.ts') || name.endsWith('.cjs'))
        .sort()[0];
      if (!first) return [];
      const comment = openingComment(join(folder, first)) ?? '';
      // Either it says "this folder", or it opens with the folder's name: "Execution: attempts, ...".
      const named = comment.toLowerCase().startsWith(basename(folder).replace(/-/g, ' '));
      return /this folder/i.test(comment) || named ? [] : [`${folder}/${first}`];
    });
    expect(silent).toEqual([]);
  });
});

/** `root` and every folder below it. */
function folders(root: string): string[] {
  const below = readdirSync(join(ROOT, root))
    .filter((name) => statSync(join(ROOT, root, name)).isDirectory())
    .flatMap((name) => folders(join(root, name)));
  return [root, ...below];
}
