// A config split with `$include` (OpenClaw's JSON5 includes): a repair must keep the split, and a fault in an included
// file must be named as such, not "fixed" by replacing the main file with an older, unsplit copy.
// In platform because the doctor and the secret scan of src/observe both resolve the tree (observe never imports doctor).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseConfigText, readServiceConfigFile, type ConfigFormat } from './config-file.js';
import { describeReadError } from './read-regular.js';
import { isStrictlyInside } from './path-inside.js';

const KEY = '$include';
/** OpenClaw resolves includes up to 10 levels deep; deeper is its own error. */
const MAX_DEPTH = 10;

/** Every `$include` directive of a parsed config as "where=what" (sorted), so two copies' splits can be compared. */
export function includeDirectives(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => includeDirectives(v, `${at}[${i}]`)).sort();
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === KEY) out.push(`${at || '<root>'}=${JSON.stringify(v)}`);
    else out.push(...includeDirectives(v, at ? `${at}.${k}` : k));
  }
  return out.sort();
}

/** The files a parsed config includes directly, resolved against the including file's directory. */
function includedFiles(value: unknown, from: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => includedFiles(v, from));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (k !== KEY) return includedFiles(v, from);
    const list = Array.isArray(v) ? v : [v];
    return list.filter((p): p is string => typeof p === 'string').map((p) => path.resolve(path.dirname(from), p));
  });
}

export interface IncludeProblem {
  file: string;
  problem: string;
  /** A rule of OpenClaw's the include breaks (the file may still read fine); none for a file missing, unreadable or unparseable. */
  kind?: 'outside' | 'security' | 'circular' | 'depth';
}

/** An included file as read: its bytes and, when they parse, its value. */
export interface IncludedFile {
  file: string;
  content: Buffer;
  value?: unknown;
}

/** OpenClaw refuses an included file over 2 MiB (its MAX_INCLUDE_FILE_BYTES). */
export const MAX_INCLUDE_FILE_BYTES = 2 * 1024 * 1024;

/**
 * What OpenClaw refuses an included file on (src/config/includes.ts): a path, or the file it resolves to through links,
 * outside the TOP config's folder ('outside'); over 2 MiB or hard-linked ('security'). undefined when none; a missing
 * file or one that is not a regular file is said by the read.
 */
async function refusedByOpenClaw(root: string, realRoot: string, file: string): Promise<Pick<IncludeProblem, 'problem' | 'kind'> | undefined> {
  if (!isStrictlyInside(root, file)) return { kind: 'outside', problem: `outside the config's folder ${root}, which OpenClaw refuses (Include path escapes config directory)` };
  const real = await fs.realpath(file).catch(() => undefined);
  if (real === undefined) return undefined;
  if (!isStrictlyInside(realRoot, real)) return { kind: 'outside', problem: `outside the config's folder ${root} (a link to ${real}), which OpenClaw refuses` };
  const st = await fs.stat(file).catch(() => undefined);
  if (st === undefined || !st.isFile()) return undefined;
  const security = (what: string): Pick<IncludeProblem, 'problem' | 'kind'> => ({
    kind: 'security',
    problem: `${what}, which OpenClaw refuses (Include file failed security checks: regular file, max ${MAX_INCLUDE_FILE_BYTES} bytes, no hardlinks)`,
  });
  if (st.size > MAX_INCLUDE_FILE_BYTES) return security(`${st.size} bytes, over ${MAX_INCLUDE_FILE_BYTES}`);
  if (st.nlink > 1) return security(`hard-linked (${st.nlink} links)`);
  return undefined;
}

/**
 * Every file a config includes as read now, and what OpenClaw would refuse the config on, by OpenClaw's own rules: a
 * file missing, unreadable or not parsing; an include outside the top config's folder, over 2 MiB or hard-linked; a
 * circular include (named by its chain of ancestors, so a diamond is fine); deeper than 10 levels. The one rule the
 * preflight, the doctor and `clawback update` share. A file OpenClaw refuses but Clawback can read is still read (and
 * listed in `files`), so a change made to it (a doctor's, a person's) is still seen and can be put back.
 */
export async function readIncludes(configPath: string, value: unknown, format: ConfigFormat): Promise<{ files: IncludedFile[]; problems: IncludeProblem[] }> {
  const files: IncludedFile[] = [];
  const problems: IncludeProblem[] = [];
  if (format !== 'json5' && format !== 'json') return { files, problems };
  const top = path.resolve(configPath);
  const root = path.dirname(top);
  const realRoot = await fs.realpath(root).catch(() => root);
  const read = new Map<string, IncludedFile | undefined>();
  const problem = (p: IncludeProblem): void => {
    if (!problems.some((q) => q.file === p.file && q.problem === p.problem)) problems.push(p);
  };
  // Level by level (the top file is level 0); each include carries its chain of ancestors, as OpenClaw's does.
  let level: Array<{ from: string; value: unknown; chain: string[] }> = [{ from: top, value, chain: [top] }];
  while (level.length > 0) {
    const next: typeof level = [];
    for (const { from, value: v, chain } of level) {
      for (const file of includedFiles(v, from)) {
        if (chain.includes(file)) {
          problem({ file, kind: 'circular', problem: `circular include: ${[...chain, file].join(' -> ')}, which OpenClaw refuses` });
          continue;
        }
        // OpenClaw reads includes down to level 10 and refuses one deeper.
        if (chain.length > MAX_DEPTH) {
          problem({ file, kind: 'depth', problem: `more than ${MAX_DEPTH} levels of includes deep (${[...chain, file].join(' -> ')}), which OpenClaw refuses` });
          continue;
        }
        if (!read.has(file)) {
          const refused = await refusedByOpenClaw(root, realRoot, file);
          if (refused) problem({ file, ...refused });
          const content = await readServiceConfigFile(file).catch((err: NodeJS.ErrnoException) => err);
          if (content instanceof Error) {
            if (!refused) problem({ file, problem: content.code === 'ENOENT' ? 'missing' : `unreadable: ${describeReadError(file, content)}` });
            read.set(file, undefined);
            continue;
          }
          const parsed = parseConfigText(content.toString('utf8'), 'json5');
          const entry: IncludedFile = parsed.ok ? { file, content, value: parsed.value } : { file, content };
          if (!parsed.ok) problem({ file, problem: `unparseable: ${parsed.error.slice(0, 160)}` });
          files.push(entry);
          read.set(file, entry);
        }
        const entry = read.get(file);
        if (entry?.value !== undefined) next.push({ from: file, value: entry.value, chain: [...chain, file] });
      }
    }
    level = next;
  }
  return { files, problems };
}

/** Included files (followed to MAX_DEPTH levels) that are missing or do not parse; [] for a config without includes. */
export async function includeProblems(configPath: string, value: unknown, format: ConfigFormat): Promise<IncludeProblem[]> {
  return (await readIncludes(configPath, value, format)).problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OpenClaw's include merge: objects merge recursively, arrays concatenate, otherwise `over` wins. */
function merge(base: unknown, over: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

/**
 * The config as the service reads it: every `$include` replaced by its file's value, sibling keys winning (OpenClaw's
 * semantics), so settings kept in an included file are seen where they apply. `files` maps an included file's path to
 * its parsed value; an include that is missing, unparseable or part of a cycle contributes nothing.
 */
export function resolveIncludes(configPath: string, value: unknown, files: ReadonlyMap<string, unknown>, chain: readonly string[] = [path.resolve(configPath)]): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIncludes(configPath, v, files, chain));
  if (!isObject(value)) return value;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== KEY) rest[k] = resolveIncludes(configPath, v, files, chain);
  if (!(KEY in value)) return rest;
  const list = Array.isArray(value[KEY]) ? (value[KEY] as unknown[]) : [value[KEY]];
  let included: unknown = {};
  for (const p of list) {
    if (typeof p !== 'string') continue;
    const file = path.resolve(path.dirname(configPath), p);
    if (chain.includes(file) || chain.length > MAX_DEPTH || !files.has(file)) continue;
    included = merge(included, resolveIncludes(file, files.get(file), files, [...chain, file]));
  }
  return Object.keys(rest).length === 0 ? included : merge(isObject(included) ? included : {}, rest);
}

/** "<file> (<problem>), ..." for a message. */
export function describeIncludeProblems(list: readonly IncludeProblem[]): string {
  return list.map((p) => `${p.file} (${p.problem})`).join(', ');
}

/** A parsed config with its includes read and resolved: what the service sees, and the included files it came from. */
export async function resolvedConfig(configPath: string, value: unknown, format: ConfigFormat): Promise<{ value: unknown; files: IncludedFile[] }> {
  const { files } = await readIncludes(configPath, value, format);
  if (files.length === 0) return { value, files };
  const values = new Map(files.filter((f) => f.value !== undefined).map((f) => [f.file, f.value]));
  return { value: resolveIncludes(configPath, value, values), files };
}

const TEXT_DIRECTIVE = /["']?\$include["']?\s*:\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\[[^\]]*\]?)/g;
const TEXT_STRING = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'/g;

/**
 * The files a config's text includes even when the text does not parse (a file truncated on boot still names its
 * `$include`s up to the cut), resolved against the config's directory. What it names is what a repair must keep.
 */
export function includedFilesInText(configPath: string, text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(TEXT_DIRECTIVE)) {
    for (const s of m[1]!.matchAll(TEXT_STRING)) {
      const raw = s[1] ?? s[2] ?? '';
      const p = raw.replace(/\\(.)/g, '$1');
      if (p.length > 0) out.add(path.resolve(path.dirname(configPath), p));
    }
  }
  return [...out].sort();
}

/** The files a parsed config includes directly (not the includes of its includes), resolved against its directory. */
export function directlyIncludedFiles(configPath: string, value: unknown): string[] {
  return [...new Set(includedFiles(value, configPath))].sort();
}
