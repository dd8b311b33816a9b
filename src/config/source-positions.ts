// Where in the file a problem's field sits (line and column): with a 300-line YAML a field path alone was a hunt.
import YAML, { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ConfigProblem } from './errors.js';

interface Located {
  node: Node;
  /** The whole path was found (not only an ancestor of a missing field). */
  whole: boolean;
}

function keyText(key: unknown): string | undefined {
  // A merge key's value is a symbol (yaml's MERGE_KEY); its source is `<<`.
  if (isScalar(key)) return typeof key.value === 'symbol' ? key.source : String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/** The node an alias stands for; any other node as is. */
function resolved(doc: Document, node: unknown): Node | undefined {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? undefined;
  return (node ?? undefined) as Node | undefined;
}

/** The maps a `<<:` key merges into this one (an alias, or a list of them). */
function mergeSources(doc: Document, map: YAML.YAMLMap): YAML.YAMLMap[] {
  const out: YAML.YAMLMap[] = [];
  for (const pair of map.items) {
    if (!isPair(pair) || keyText(pair.key) !== '<<') continue;
    const value = resolved(doc, pair.value);
    const sources = isSeq(value) ? value.items.map((n) => resolved(doc, n)) : [value];
    for (const s of sources) if (isMap(s)) out.push(s);
  }
  return out;
}

/** The longest key of this map (or of the maps merged into it) that the rest of the path starts with. */
function childByKey(doc: Document, map: YAML.YAMLMap, rest: string, seen: Set<Node>): { node: Node; rest: string } | undefined {
  if (seen.has(map)) return undefined;
  seen.add(map);
  let best: { pair: YAML.Pair; key: string } | undefined;
  for (const pair of map.items) {
    const key = isPair(pair) ? keyText(pair.key) : undefined;
    if (key === undefined || key === '<<') continue;
    const fits = rest === key || rest.startsWith(`${key}.`) || rest.startsWith(`${key}[`);
    if (fits && (!best || key.length > best.key.length)) best = { pair, key };
  }
  if (best) {
    const value = resolved(doc, best.pair.value);
    const node = (value && value.range ? value : best.pair.key) as Node;
    return { node, rest: rest.slice(best.key.length).replace(/^\./, '') };
  }
  for (const source of mergeSources(doc, map)) {
    const found = childByKey(doc, source, rest, seen);
    if (found) return found;
  }
  return undefined;
}

/** Walks `services[0].probes[1].url` through the document; stops at the deepest node that exists. */
function locatePath(doc: Document, path: string): Located | undefined {
  let node = resolved(doc, doc.contents);
  if (!node) return undefined;
  let rest = path;
  while (rest.length > 0) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index && isSeq(node)) {
      const next = resolved(doc, node.items[Number(index[1])]);
      if (!next) return { node, whole: false };
      node = next;
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!isMap(node)) return { node, whole: false };
    const next = childByKey(doc, node, rest, new Set());
    if (!next) return { node, whole: false };
    node = next.node;
    rest = next.rest;
  }
  return { node, whole: true };
}

/** The key node of `key` in the map at `node` (an unknown key is reported on its map: point at the key itself). */
function keyNode(doc: Document, node: Node, key: string): Node | undefined {
  const map = resolved(doc, node);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isPair(p) && keyText(p.key) === key);
  return pair && isPair(pair) && pair.key && (pair.key as Node).range ? (pair.key as Node) : undefined;
}

/**
 * Each problem with the line and column (1-based) of its value in `text`, when its field is found there: the value
 * itself, the unknown key, or for a missing field the block that lacks it. Problems about the file as a whole, or
 * already located, are left as they are.
 */
export function withSourcePositions(text: string, problems: readonly ConfigProblem[], parsed?: unknown): ConfigProblem[] {
  // A file that did not parse (too deep, bad YAML) is not parsed again: 1 MiB of `[` took the parser ~15 s.
  const locatable = (p: ConfigProblem): boolean => p.line === undefined && !p.path.startsWith('(') && !p.path.startsWith('$');
  if (!problems.some(locatable)) return [...problems];
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = YAML.parseDocument(text, { lineCounter, merge: true, uniqueKeys: false });
  } catch {
    return [...problems];
  }
  // Positions come from reading the text as YAML: a JSON5 file YAML reads otherwise (`name:"web"` one key) gets none.
  if (parsed !== undefined && !sameValue(doc, parsed)) return [...problems];
  return problems.map((p) => {
    if (!locatable(p)) return p;
    const found = locatePath(doc, p.path);
    if (!found) return p;
    const target = (found.whole && p.unknownKey !== undefined ? keyNode(doc, found.node, p.unknownKey) : undefined) ?? found.node;
    const offset = target.range?.[0];
    if (offset === undefined) return p;
    const { line, col } = lineCounter.linePos(offset);
    return { ...p, line, col };
  });
}

/** Whether YAML's reading of the text is the value the loader read (top-level `x-` keys aside, which it drops). */
function sameValue(doc: Document, parsed: unknown): boolean {
  try {
    const strip = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('x-'))) : v);
    return JSON.stringify(strip(doc.toJS())) === JSON.stringify(strip(parsed));
  } catch {
    return false;
  }
}
