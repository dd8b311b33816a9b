// The settings a repair must never drop or change silently (auth, ports, credentials): found, compared and carried over by path.
import type { ServiceConfig } from '../config/schema.js';
import { deletePath, getPath, joinPath, leaves, matchesAny, sameValue, setPath, splitPath } from './config-paths.js';
import { parseConfigText, serializeConfig, type ConfigFormat } from '../platform/config-file.js';
import { rawValueInText, removeKeysFromText, setValuesInText, type TextEditNote } from './text-key-removal.js';
import { endsInKeyWord, mentionsSecret } from '../observe/secret-keys.js';

export interface ProtectedChange {
  path: string;
  /** 'moved': gone from here, the same value now at `to` (a migration of the service's own doctor: nothing is lost). */
  change: 'removed' | 'changed' | 'added' | 'moved';
  to?: string;
}

/** The service's protected path patterns (configFile.protect). */
export function protectedPatterns(service: ServiceConfig): string[] {
  return service.configFile?.protect ?? [];
}

/**
 * Protected leaves of a parsed config: dotted path -> value. An array is one leaf (compared whole), protected when its
 * path matches or a path inside it does (`hooks.0.token` under "**.*token"): a token in a list is a token too.
 */
export function protectedValues(config: unknown, patterns: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (patterns.length === 0) return out;
  for (const l of leaves(config)) if (matchesAny(patterns, l.path) || holdsProtected(l.value, splitPath(l.path), patterns)) out.set(l.path, l.value);
  return out;
}

/** Whether an array at `at` holds a setting a pattern protects (its elements' paths carry their index as a key). */
function holdsProtected(value: unknown, at: readonly string[], patterns: readonly string[]): boolean {
  if (!Array.isArray(value)) return false;
  return value.some((el, i) => leaves(el, [...at, String(i)]).some((l) => matchesAny(patterns, l.path) || holdsProtected(l.value, splitPath(l.path), patterns)));
}

/** How the protected settings of `after` differ from those of `before` (sorted by path). */
export function protectedChanges(before: unknown, after: unknown, patterns: readonly string[]): ProtectedChange[] {
  const a = protectedValues(before, patterns);
  const b = protectedValues(after, patterns);
  const out: ProtectedChange[] = [];
  for (const [p, v] of a) {
    if (!b.has(p)) out.push({ path: p, change: 'removed' });
    else if (!sameValue(v, b.get(p))) out.push({ path: p, change: 'changed' });
  }
  for (const p of b.keys()) if (!a.has(p)) out.push({ path: p, change: 'added' });
  // A removed value that reappears, the same, at a protected path that is new is a move (talk.apiKey ->
  // talk.providers.<id>.apiKey): each added path answers for one removed value only.
  const free = out.filter((c) => c.change === 'added').map((c) => c.path);
  for (const c of out) {
    if (c.change !== 'removed') continue;
    const v = a.get(c.path);
    if (v === undefined || v === null || v === '' || typeof v === 'object') continue;
    const i = free.findIndex((p) => sameValue(b.get(p), v));
    if (i < 0) continue;
    c.change = 'moved';
    c.to = free.splice(i, 1)[0]!;
  }
  return out.sort((x, y) => x.path.localeCompare(y.path));
}

/** Changes that lose or alter a setting the user had ("added" and "moved" are harmless: nothing of theirs is lost). */
export function harmfulChanges(changes: readonly ProtectedChange[]): ProtectedChange[] {
  return changes.filter((c) => c.change !== 'added' && c.change !== 'moved');
}

/**
 * Whether a protected path names a credential (a token, password, secret, key or the file or folder holding one), by
 * its last key: a repair never drops one, whichever way the user's file lacks it (a template written without
 * gateway.auth would leave the gateway making a token of its own, its clients locked out). TLS's certPath/keyPath
 * are how it listens, not a credential: TLS the user removed stays removed.
 */
export function isCredentialPath(path: string): boolean {
  const key = credentialSegments(path).filter((s) => !/^\d+$/.test(s)).pop() ?? '';
  if (/^(cert|key)Path$/i.test(key)) return false;
  // The redaction's one rule for secret names (observe/secret-keys.ts), and the files and folders that hold one.
  return mentionsSecret(key) || endsInKeyWord(key) || /key(file)?$|passw(or)?d|serviceAccount|authDir/i.test(key);
}

/** The keys of a SecretRef ({source: "env", provider, id}), which OpenClaw takes wherever a credential's value goes. */
const SECRET_REF_KEYS = new Set(['source', 'provider', 'id']);

/**
 * The segments of the setting a protected leaf belongs to: a SecretRef's own key is dropped (gateway.auth.token.id is
 * gateway.auth.token's), so a credential given by reference is one as much as one written inline.
 */
function credentialSegments(path: string): string[] {
  const segs = splitPath(path);
  return segs.length > 1 && SECRET_REF_KEYS.has(segs.at(-1)!) ? segs.slice(0, -1) : segs;
}

/**
 * A copy of `candidate` with every protected value of `source` written into it (the broken file's
 * token and port win over an older copy's). Returns the carried paths. With `dropAbsent`, a protected setting the copy
 * has and `source` lacks is taken out of it too (`dropped`): the user removed it (TLS turned off by removing
 * gateway.tls, DMs closed by removing dmPolicy "open"), and a restore must not bring it back. Objects left empty by that
 * are taken out unless `source` has them. A credential is never dropped (`kept`, the copy's value stays): losing one
 * locks clients out or takes a channel down, keeping it opens nothing. `resolvedSource` is `source` as the service reads
 * it (its `$include`s in): a credential there is the user's, moved into an included file, so the copy's is dropped.
 * Nor is the copy's credential kept where the user's object uses another method beside it (`replaced`, taken out): a
 * password where the copy has a token, or a mode other than the copy's (gateway.auth {password} beside the copy's token
 * left both set and no mode, which OpenClaw refuses at start; its trusted-proxy mode refuses a token beside it).
 * `overwritten`: the copy's protected settings under a carried value that does not hold them (the user emptied
 * gateway.auth: the copy's token and mode go with it), the user's choice kept and said.
 */
export function carryOver(
  candidate: unknown,
  source: unknown,
  patterns: readonly string[],
  opts: { dropAbsent?: boolean; resolvedSource?: unknown } = {},
): { value: unknown; carried: string[]; dropped: string[]; kept: string[]; replaced: string[]; overwritten: string[] } {
  const values = protectedValues(source, patterns);
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) return { value: candidate, carried: [], dropped: [], kept: [], replaced: [], overwritten: [] };
  const wholes = wholeObjects(candidate, source, values, patterns);
  const inWhole = (p: string): boolean => wholes.some((w) => w === p || isAbove(w, p));
  // The copy's empty object the user filled (`auth: {}` there, `auth: { token }` now) is not removed: it takes their members.
  const filled = (p: string): boolean => [...values.keys()].some((q) => isAbove(p, q));
  const absent = opts.dropAbsent ? [...protectedValues(candidate, patterns).keys()].filter((p) => !values.has(p) && !coveredBy(values, p) && !inWhole(p) && !filled(p)) : [];
  const lacks = (p: string): boolean => opts.resolvedSource === undefined || getPath(opts.resolvedSource, p) === undefined;
  const credentials = absent.filter((p) => isCredentialPath(p) && lacks(p));
  const replaced = credentials.filter((p) => otherMethodChosen(opts.resolvedSource ?? source, candidate, p)).sort();
  const kept = credentials.filter((p) => !replaced.includes(p)).sort();
  const dropped = absent.filter((p) => !credentials.includes(p));
  if (values.size === 0 && dropped.length === 0 && replaced.length === 0) return { value: candidate, carried: [], dropped: [], kept, replaced, overwritten: [] };
  const copy = structuredClone(candidate) as Record<string, unknown>;
  const emptied: string[] = [];
  for (const p of [...dropped, ...replaced]) {
    deletePath(copy, p);
    // The parents the removal emptied, up to one `source` has (as the user has them).
    for (let segs = splitPath(p).slice(0, -1); segs.length > 0; segs = segs.slice(0, -1)) {
      const at = joinPath(segs);
      if (!isEmptyObject(getPath(copy, at)) || getPath(source, at) !== undefined) break;
      deletePath(copy, at);
      emptied.push(at);
    }
  }
  // The outermost paths only: a removed object takes its members with it.
  const all = [...new Set([...dropped, ...emptied])];
  const outermost = all.filter((p) => !all.some((q) => isAbove(q, p)));
  const carried: string[] = [];
  for (const w of wholes) {
    setPath(copy, w, structuredClone(getPath(source, w)));
    carried.push(w);
  }
  for (const [p, v] of values) {
    if (inWhole(p) || sameValue(getPath(copy, p), v)) continue;
    setPath(copy, p, structuredClone(v));
    carried.push(p);
  }
  // The copy's protected settings a carried value of the user's stands over and does not hold (their `auth: {}` over the
  // copy's token and mode): their choice is kept, but what went with it is named, not left to a bare "carried".
  const overwritten = [...protectedValues(candidate, patterns).keys()].filter((q) => carried.some((p) => isAbove(p, q) && !wholes.includes(p)) && getPath(copy, q) === undefined).sort();
  return { value: copy, carried, dropped: outermost.sort(), kept, replaced, overwritten };
}

/**
 * Whether the user's object holding the copy's credential `p` uses another method than it, so the two must not both be
 * set: a password beside the copy's token (or a token beside its password), or a `mode` other than the copy's, where the
 * copy's mode named this credential (mode "token" with its token; the user's "password", "trusted-proxy"). Mode "none"
 * uses no credential: the copy's kept beside it opens nothing and closes nothing.
 * Credentials that work together (a bot token and a signing secret, a socket mode's app token) are not alternatives.
 */
function otherMethodChosen(user: unknown, copy: unknown, p: string): boolean {
  const segs = credentialSegments(p);
  const key = segs.at(-1)!;
  const at = joinPath(segs.slice(0, -1));
  const mine = getPath(user, at);
  if (typeof mine !== 'object' || mine === null || Array.isArray(mine)) return false;
  const own = mine as Record<string, unknown>;
  const copyMode = (getPath(copy, at) as Record<string, unknown> | undefined)?.mode;
  const userMode = typeof own.mode === 'string' ? own.mode.toLowerCase() : undefined;
  if (typeof copyMode === 'string' && copyMode.toLowerCase() === key.toLowerCase() && userMode !== undefined && userMode !== 'none' && userMode !== copyMode.toLowerCase()) return true;
  const other = /token$/i.test(key) ? /passw(or)?d$/i : /passw(or)?d$/i.test(key) ? /token$/i : undefined;
  return other !== undefined && Object.entries(own).some(([k, v]) => other.test(k) && v !== undefined && v !== null && v !== '');
}

/** Whether a value is a SecretRef ({source, id}, maybe a provider, nothing else): one setting, not three. */
export function isSecretRef(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.includes('source') && keys.includes('id') && keys.every((k) => SECRET_REF_KEYS.has(k));
}

/**
 * The protected objects of `source` carried whole (outermost first): a SecretRef the copy does not have as it is, and an
 * object the user put where the copy has a plain value (a token turned into a SecretRef). Carried member by member,
 * the copy's scalar there read as "removed by the user" beside its own members carried in.
 */
function wholeObjects(candidate: unknown, source: unknown, values: ReadonlyMap<string, unknown>, patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const q of values.keys()) {
    const segs = splitPath(q);
    for (let n = 1; n < segs.length; n++) {
      const p = joinPath(segs.slice(0, n));
      if (out.some((w) => w === p || isAbove(w, p))) break;
      const sv = getPath(source, p);
      const cv = getPath(candidate, p);
      if (!matchesAny(patterns, p) || !isPlainObject(sv)) continue;
      if ((isSecretRef(sv) && !sameValue(sv, cv)) || (cv !== undefined && !isPlainObject(cv))) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a protected leaf of `values` lies above `p` (a source's array or empty object holding the copy's path). */
function coveredBy(values: ReadonlyMap<string, unknown>, p: string): boolean {
  const segs = splitPath(p);
  for (let n = segs.length - 1; n > 0; n--) if (values.has(joinPath(segs.slice(0, n)))) return true;
  return false;
}

/** Whether dotted path `q` lies strictly above `p`. */
function isAbove(q: string, p: string): boolean {
  const a = splitPath(q);
  const b = splitPath(p);
  return a.length < b.length && a.every((s, i) => s === b[i]);
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/**
 * carryOver on a copy's text: the carried values are written into the copy's own text, so its comments and layout stay
 * (rewritten whole, comments lost, only when that cannot be done safely). With `sourceText` (the text `source` was read
 * from), a carried value is written in the user's own bytes (their quotes, escapes and layout), not re-encoded.
 */
export function carryOverText(
  candidateText: string,
  candidate: unknown,
  source: unknown,
  patterns: readonly string[],
  format: ConfigFormat,
  opts: { dropAbsent?: boolean; resolvedSource?: unknown; sourceText?: string } = {},
): { text: string; value: unknown; carried: string[]; dropped: string[]; kept: string[]; replaced: string[]; overwritten?: string[]; rewritten: boolean } {
  const co = carryOver(candidate, source, patterns, opts);
  if (co.carried.length === 0 && co.dropped.length === 0 && co.replaced.length === 0) return { text: candidateText, value: candidate, carried: [], dropped: [], kept: co.kept, replaced: [], rewritten: false };
  let edited: string | undefined = candidateText;
  // A YAML copy printed anew to take them (its layout lost, its comments kept) is a rewrite too, and said as one.
  const said: TextEditNote = {};
  const out = [...co.dropped, ...co.replaced];
  if (out.length > 0) {
    const without = structuredClone(candidate);
    for (const p of out) deletePath(without, p);
    edited = removeKeysFromText(candidateText, out, format, without, said);
  }
  if (edited !== undefined && co.carried.length > 0) {
    const values = co.carried.map((p) => {
      const value = getPath(co.value, p);
      const raw = opts.sourceText === undefined ? undefined : rawValueInText(opts.sourceText, p, value, format);
      return raw ? { path: p, value, raw } : { path: p, value };
    });
    // The user's bytes where they fit; re-encoded where they do not (a value whose text reads back otherwise here).
    edited = setValuesInText(edited, values, format, co.value, said) ?? setValuesInText(edited, values.map((v) => ({ path: v.path, value: v.value })), format, co.value, said);
  }
  return { text: edited ?? serializeConfig(co.value, format, candidateText), value: co.value, carried: co.carried, dropped: co.dropped, kept: co.kept, replaced: co.replaced, overwritten: co.overwritten, rewritten: edited === undefined || said.reprinted === true };
}

/** Protected paths present in `other` but absent from `candidate`. */
export function missingProtected(candidate: unknown, other: unknown, patterns: readonly string[]): string[] {
  const have = protectedValues(candidate, patterns);
  return [...protectedValues(other, patterns).keys()].filter((p) => !have.has(p)).sort();
}

/**
 * The protected settings a new text of a config removes or alters (an unparseable new text loses them all). None when
 * the old text does not parse: there is nothing known to keep.
 */
export function lostBetweenTexts(before: string, after: string | undefined, patterns: readonly string[], format: ConfigFormat): ProtectedChange[] {
  if (patterns.length === 0 || after === before) return [];
  const was = parseConfigText(before, format);
  if (!was.ok) return [];
  const now = after === undefined ? undefined : parseConfigText(after, format);
  return harmfulChanges(protectedChanges(was.value, now?.ok ? now.value : undefined, patterns));
}
