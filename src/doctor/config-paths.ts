// Addressing settings inside a parsed config by dotted path ("gateway.auth.token"), with "*" and "**" patterns.

/**
 * A key is one segment whatever its characters: a "." or "\" inside a key is escaped with "\" in a dotted path
 * (provider "my.provider" -> `models.providers.my\.provider.apiKey`), so it is never read as two keys.
 */
export function joinPath(segs: readonly string[]): string {
  return segs.map((s) => s.replace(/[\\.]/g, '\\$&')).join('.');
}

/** The segments of a dotted path (the inverse of joinPath). */
export function splitPath(dotted: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < dotted.length; i++) {
    const c = dotted[i]!;
    if (c === '\\' && i + 1 < dotted.length) cur += dotted[++i];
    else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export type Leaf = { path: string; value: unknown };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every leaf (a non-object value, an empty object or an array) with its dotted path; arrays are leaves, compared whole. */
export function leaves(value: unknown, prefix: string[] = []): Leaf[] {
  if (!isPlainObject(value) || (Object.keys(value).length === 0 && prefix.length > 0)) {
    return prefix.length === 0 ? [] : [{ path: joinPath(prefix), value }];
  }
  const out: Leaf[] = [];
  for (const [k, v] of Object.entries(value)) out.push(...leaves(v, [...prefix, k]));
  return out;
}

/** One pattern segment: "*" inside it matches any run of characters; case-insensitive. */
function segmentMatches(pattern: string, segment: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern.toLowerCase() === segment.toLowerCase();
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(segment);
}

function matchFrom(pat: readonly string[], i: number, segs: readonly string[], j: number): boolean {
  // A pattern that ends at or above the path protects everything below it.
  if (i === pat.length) return true;
  if (j === segs.length) return pat.slice(i).every((p) => p === '**');
  if (pat[i] === '**') return matchFrom(pat, i + 1, segs, j) || matchFrom(pat, i, segs, j + 1);
  return segmentMatches(pat[i]!, segs[j]!) && matchFrom(pat, i + 1, segs, j + 1);
}

/**
 * Does the dotted path fall under the pattern? "gateway.port" matches itself; "gateway.auth.*" and
 * "gateway.auth" match everything below gateway.auth; "channels.**.*token" matches a key ending in
 * "token" at any depth under channels.
 */
export function pathMatches(pattern: string, dotted: string): boolean {
  return matchFrom(splitPath(pattern).filter(Boolean), 0, splitPath(dotted), 0);
}

export function matchesAny(patterns: readonly string[], dotted: string): boolean {
  return patterns.some((p) => pathMatches(p, dotted));
}

export function getPath(value: unknown, dotted: string): unknown {
  let cur: unknown = value;
  for (const seg of splitPath(dotted)) {
    if (isPlainObject(cur)) cur = cur[seg];
    else if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else return undefined;
  }
  return cur;
}

/** Sets a value, creating plain objects on the way (a non-object in the way is replaced). Mutates `root`. */
export function setPath(root: Record<string, unknown>, dotted: string, v: unknown): void {
  const segs = splitPath(dotted);
  let cur: Record<string, unknown> = root;
  for (const seg of segs.slice(0, -1)) {
    const next = cur[seg];
    if (!isPlainObject(next)) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[segs.at(-1)!] = v;
}

/** Removes the key at the path; returns whether something was removed. Mutates `root`. */
export function deletePath(root: unknown, dotted: string): boolean {
  const segs = splitPath(dotted);
  const parent = segs.length === 1 ? root : getPath(root, joinPath(segs.slice(0, -1)));
  const last = segs.at(-1)!;
  if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    delete parent[last];
    return true;
  }
  if (Array.isArray(parent) && /^\d+$/.test(last) && Number(last) < parent.length) {
    parent.splice(Number(last), 1);
    return true;
  }
  return false;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
