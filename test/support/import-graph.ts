/**
 * The project's import graph, read with TypeScript's own pre-processor, so
 * type-only imports, re-exports and `require` calls all count. Relative
 * specifiers only: packages are leaves.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

export const ROOT = resolve(__dirname, '..', '..');

/** Every file under `folders` (relative to the root) whose name ends with one of `extensions`. */
export function filesUnder(folders: readonly string[], extensions: readonly string[] = ['.ts']): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(join(ROOT, folder)).sort()) {
      const path = join(folder, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (extensions.some((extension) => name.endsWith(extension))) found.push(path);
    }
  };
  for (const folder of folders) walk(folder);
  return found;
}

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** As written, for messages. */
  readonly specifier: string;
}

/** The relative imports of each file, resolved to files (relative to the root). */
export function importGraph(files: readonly string[]): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const edges = info.importedFiles.flatMap(({ fileName: specifier }) => {
      if (!specifier.startsWith('.')) return [];
      const to = resolveSpecifier(file, specifier);
      return to ? [{ from: file, to, specifier }] : [];
    });
    graph.set(file, edges);
  }
  return graph;
}

function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = join(dirname(join(ROOT, from)), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  return undefined;
}

/** Every cycle's files, one list per strongly connected component of more than one file (or a file importing itself). */
export function importCycles(graph: ReadonlyMap<string, readonly ImportEdge[]>): string[][] {
  // Tarjan's algorithm, iterative enough for a source tree's depth.
  let index = 0;
  const indices = new Map<string, number>();
  const lowLinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    indices.set(file, index);
    lowLinks.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const { to } of graph.get(file) ?? []) {
      if (!indices.has(to)) {
        visit(to);
        lowLinks.set(file, Math.min(lowLinks.get(file)!, lowLinks.get(to)!));
      } else if (onStack.has(to)) {
        lowLinks.set(file, Math.min(lowLinks.get(file)!, indices.get(to)!));
      }
    }
    if (lowLinks.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfImport = (graph.get(file) ?? []).some(({ to }) => to === file);
      if (component.length > 1 || selfImport) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return cycles;
}

/** The longest chain of imports from `entry`, in files: how many floors a reader may have to climb. */
export function longestImportChain(graph: ReadonlyMap<string, readonly ImportEdge[]>, entry: string): string[] {
  const memo = new Map<string, string[]>();
  const longest = (file: string, seen: ReadonlySet<string>): string[] => {
    const known = memo.get(file);
    if (known) return known;
    let best: string[] = [];
    for (const { to } of graph.get(file) ?? []) {
      if (seen.has(to)) continue;
      const chain = longest(to, new Set([...seen, to]));
      if (chain.length > best.length) best = chain;
    }
    const result = [file, ...best];
    memo.set(file, result);
    return result;
  };
  return longest(entry, new Set([entry]));
}

/** The opening comment of a file, if it starts with one. */
export function openingComment(file: string): string | undefined {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/^#!.*\n/, '');
  const match = /^\s*\/\*\*([\s\S]*?)\*\//.exec(text);
  return match?.[1]?.replace(/^\s*\* ?/gm, '').trim();
}
