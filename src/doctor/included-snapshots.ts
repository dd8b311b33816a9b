// A split config ($include) is healthy as a set: the included files it ran with are kept too, each in a store of its
// own, so a corrupted included file can be put back from the copy seen healthy instead of left for a human.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseConfigText, sha256, type ConfigFormat } from '../platform/config-file.js';
import { hardLinkBlock } from '../platform/hard-links.js';
import { SnapshotStore, type SnapshotEntry } from './snapshot-store.js';
import type { DoctorContext } from './types.js';
import { directlyIncludedFiles, includedFilesInText, includeProblems, readIncludes, resolveIncludes, type IncludeProblem } from '../platform/config-includes.js';
import { harmfulChanges, missingProtected, protectedChanges, protectedPatterns } from './protected-settings.js';
import { redactedPlaceholders } from './redacted-placeholders.js';
import { ownerToGive } from '../platform/atomic-write.js';
import { boundEvidenceBeside, keepEvidenceOnce, makeParentDirs, putBackFile, readCurrent, replaceKeepingEvidence, snapshotBeforeRepair, unchangedSince } from './safe-user-write.js';
import { checkFileFor } from './validity-cache.js';

/** The last-known-good store of one included file: <service's snapshot dir>/included/<hash of its path>. */
export function includedStore(ctx: Pick<DoctorContext, 'snapshots' | 'service' | 'clock'>, file: string): SnapshotStore {
  const dir = path.join(ctx.snapshots.dir, 'included', sha256(path.resolve(file)).slice(0, 16));
  return new SnapshotStore(dir, { keep: ctx.service.doctor.keepSnapshots, clock: ctx.clock });
}

/**
 * The included files the doctor keeps copies of for a service (the source of each store under <snapshot dir>/included):
 * the only included files a restore writes `.corrupt-*` evidence beside, so the retention sweep can bound those too.
 */
export async function includedFilesWithCopies(snapshotDir: string): Promise<string[]> {
  const root = path.join(snapshotDir, 'included');
  const dirs = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const out = new Set<string>();
  for (const d of dirs.filter((e) => e.isDirectory())) {
    const entries = await new SnapshotStore(path.join(root, d.name), { keep: 1 }).list().catch(() => []);
    for (const e of entries) if (typeof e.sourcePath === 'string') out.add(e.sourcePath);
  }
  return [...out];
}

/**
 * Records the included files of a config seen healthy (main file `value`, validated as a set by the caller's
 * `isValidSet`) that differ from their newest copy. `seenHealthy(mtimeMs)` says whether a file's content was seen
 * healthy; nothing is recorded while one of them was not. Returns the entries written.
 */
export async function recordIncludedFiles(
  ctx: Pick<DoctorContext, 'snapshots' | 'service' | 'clock'>,
  configPath: string,
  value: unknown,
  format: ConfigFormat,
  seenHealthy: (mtimeMs: number) => boolean,
  isValidSet: () => Promise<boolean>,
): Promise<SnapshotEntry[]> {
  const { files, problems } = await readIncludes(configPath, value, format);
  if (files.length === 0 || problems.length > 0) return [];
  const changed: Array<{ file: string; content: Buffer; mode: number; owner: { uid: number; gid: number }; value: unknown }> = [];
  for (const f of files) {
    const latest = await includedStore(ctx, f.file).latest('last-known-good');
    if (latest?.sha256 === sha256(f.content)) continue;
    const st = await fs.stat(f.file).catch(() => undefined);
    if (!st || !seenHealthy(st.mtimeMs)) return [];
    changed.push({ file: f.file, content: f.content, mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid }, value: f.value });
  }
  if (changed.length === 0 || changed.some((c) => redactedPlaceholders(c.value).length > 0)) return [];
  if (!(await isValidSet())) return [];
  const out: SnapshotEntry[] = [];
  for (const c of changed) {
    const e = await includedStore(ctx, c.file).save(c.content, { sourcePath: c.file, reason: `seen healthy (included by ${configPath})`, kind: 'last-known-good', mode: c.mode, owner: c.owner });
    if (!e.deduplicated) out.push(e);
  }
  return out;
}

export interface IncludedRestore {
  applied: boolean;
  message: string;
  restored: Array<{ file: string; snapshot: string; evidence: string | null; preRepairSnapshot: string | null }>;
  /**
   * With `keepInvalid`: the copies were written but the config is still invalid (the main file is broken too). They are
   * left in place for the caller's main-file restore to be judged with; `undo` puts them back as they were.
   */
  pending?: { undo: () => Promise<void>; message: string; restored: IncludedRestore['restored'] };
}

/** The config whose included files are put back: its main file as it parses now. */
export interface IncludingConfig {
  configPath: string;
  value: unknown;
  format: ConfigFormat;
}

/**
 * The included files that parse but differ from their newest copy seen healthy: where a config that parses, includes
 * only files that parse, and still does not validate (a wrong type in an included file) may have gone wrong.
 */
export async function includedChangedSinceHealthy(ctx: DoctorContext, main: IncludingConfig): Promise<IncludeProblem[]> {
  const { files } = await readIncludes(main.configPath, main.value, main.format);
  const out: IncludeProblem[] = [];
  for (const f of files) {
    if (f.value === undefined) continue;
    const latest = await includedStore(ctx, f.file).latest('last-known-good');
    if (latest && latest.sha256 !== sha256(f.content)) out.push({ file: f.file, problem: 'parses, changed since seen healthy' });
  }
  return out;
}

/**
 * For a main file that does not parse: the faulty included files its text still names (and their own includes), judged
 * with the layout of the newest copy of the main file seen healthy that includes them all (where each file is mounted,
 * for the protected settings), so they can be staged for the main-file restore. Undefined when there is none.
 */
export async function includeProblemsOfUnparseable(
  ctx: Pick<DoctorContext, 'snapshots'>,
  configPath: string,
  text: string,
  format: ConfigFormat,
): Promise<{ main: IncludingConfig; problems: IncludeProblem[] } | undefined> {
  const named = includedFilesInText(configPath, text);
  if (named.length === 0) return undefined;
  for (const entry of await ctx.snapshots.list('last-known-good')) {
    const parsed = parseConfigText((await ctx.snapshots.read(entry).catch(() => Buffer.alloc(0))).toString('utf8'), format);
    if (!parsed.ok) continue;
    const direct = directlyIncludedFiles(configPath, parsed.value);
    if (!named.every((f) => direct.includes(f))) continue;
    // Only what the broken text still names (or what those files include): a file the copy includes beyond the cut is not touched.
    const problems = (await includeProblems(configPath, parsed.value, format)).filter((p) => named.includes(p.file) || !direct.includes(p.file));
    return problems.length > 0 ? { main: { configPath, value: parsed.value, format }, problems } : undefined;
  }
  return undefined;
}

/**
 * Why putting these copies back would lose a protected setting as the service reads the config, or undefined. Judged on
 * the resolved config: against the included files as they are now where they parse (a token the user set since the copy
 * was seen healthy), and, for one that is gone or does not parse, against the older copies seen healthy of that file
 * (like a whole-file restore: a copy that lost what an older one has is refused).
 */
async function protectedLoss(ctx: DoctorContext, main: IncludingConfig, plans: ReadonlyArray<{ file: string; bytes: Buffer }>): Promise<string | undefined> {
  const patterns = protectedPatterns(ctx.service);
  if (patterns.length === 0) return undefined;
  const valueOf = (b: Buffer): unknown => {
    const p = parseConfigText(b.toString('utf8'), 'json5');
    return p.ok ? p.value : undefined;
  };
  const { files } = await readIncludes(main.configPath, main.value, main.format);
  const now = new Map(files.filter((f) => f.value !== undefined).map((f) => [f.file, f.value]));
  const planned = new Map(plans.map((p) => [p.file, valueOf(p.bytes)] as const).filter((e) => e[1] !== undefined));
  const resolve = (over: ReadonlyMap<string, unknown>): unknown => resolveIncludes(main.configPath, main.value, new Map([...now, ...over]));
  const after = resolve(planned);
  // Files gone or unparseable now hold nothing known: their copies stand on both sides, so only what parses is compared.
  const unknownNow = new Map([...planned].filter(([f]) => !now.has(f)));
  const changed = harmfulChanges(protectedChanges(resolve(unknownNow), after, patterns));
  if (changed.length > 0) {
    return `refused: putting back the included copies seen healthy would change protected ${changed.map((c) => `${c.path} (${c.change})`).join(', ')} as the service reads the config (set since that copy was seen healthy); nothing written`;
  }
  for (const p of plans) {
    if (now.has(p.file)) continue;
    const store = includedStore(ctx, p.file);
    for (const older of (await store.list('last-known-good')).slice(1)) {
      const v = valueOf(await store.read(older).catch(() => Buffer.alloc(0)));
      if (v === undefined) continue;
      const missing = missingProtected(after, resolve(new Map([...planned, [p.file, v]])), patterns);
      if (missing.length > 0) {
        return `refused: the newest copy of ${p.file} seen healthy lacks protected ${missing.join(', ')}, which an older copy of it (${older.id}) has, and the broken file cannot say which the user meant; nothing written`;
      }
    }
  }
  return undefined;
}

/**
 * Puts back every given included file (missing, unparseable, or changed since seen healthy) from its newest copy seen healthy, each snapshotted and kept
 * as evidence first; when the config does not validate with them, or a file was saved meanwhile, every file written is
 * put back as it was. Nothing is written unless every faulty file has a copy.
 */
export async function restoreIncludedFiles(ctx: DoctorContext, main: IncludingConfig, problems: readonly IncludeProblem[], opts: { keepInvalid?: boolean } = {}): Promise<IncludedRestore> {
  const plans: Array<{ file: string; entry: SnapshotEntry; bytes: Buffer }> = [];
  for (const p of problems) {
    const store = includedStore(ctx, p.file);
    const entry = await store.latest('last-known-good');
    if (!entry) return { applied: false, message: `no copy of ${p.file} was seen healthy`, restored: [] };
    plans.push({ file: p.file, entry, bytes: await store.read(entry) });
  }
  // The main config's rule for each included file too: one with other names (hard links) is not split by a rename.
  for (const p of plans) {
    const linked = await hardLinkBlock(await fs.realpath(p.file).catch(() => p.file));
    if (linked) return { applied: false, message: `${linked}; nothing written`, restored: [] };
  }
  const loss = await protectedLoss(ctx, main, plans);
  if (loss) return { applied: false, message: loss, restored: [] };
  const done: Array<{ file: string; before: Awaited<ReturnType<typeof readCurrent>>; snapshot: string; evidence: string | null; preRepairSnapshot: string | null }> = [];
  const undo = async (): Promise<void> => {
    for (const d of done.reverse()) {
      const now = await readCurrent(d.file);
      if (now.content === undefined || sha256(now.content) !== plans.find((p) => p.file === d.file)!.entry.sha256) continue;
      if (d.before.content !== undefined) await putBackFile(d.before.realPath, d.before.content, d.before.mode, d.before.owner);
      else await fs.rm(d.before.realPath, { force: true });
    }
  };
  for (const p of plans) {
    const before = await readCurrent(p.file);
    const pre = await snapshotBeforeRepair(ctx.snapshots, p.file, before, 'before restoring an included file');
    const kept = before.content !== undefined ? await keepEvidenceOnce(before.realPath, before.content, before, ctx.clock) : undefined;
    const evidence = kept?.path ?? null;
    // A missing file comes back with the owner it had when seen healthy (and so do the directories made for it).
    const owner = before.owner ?? ownerToGive(SnapshotStore.ownerOf(p.entry));
    if (before.content === undefined && (await unchangedSince(before))) await makeParentDirs(before.realPath, owner);
    // A cancel (the run's deadline, a stop) before this file's rename wins like a save meanwhile: the files already
    // written are put back, so nothing of a cut run stays written (the main file's walk then says it was cut).
    if (!(await replaceKeepingEvidence(before, kept?.created ? kept.path : undefined, p.bytes, before.mode ?? p.entry.mode, owner, ctx.signal))) {
      if (kept?.created && (await unchangedSince(before).catch(() => false))) await fs.rm(kept.path, { force: true }).catch(() => undefined);
      await undo();
      if (ctx.signal?.aborted) return { applied: false, message: `cut short by the run's cancellation before ${p.file} was written; nothing left written`, restored: [] };
      return { applied: false, message: `${p.file} changed while the repair was being prepared; nothing left written`, restored: [] };
    }
    done.push({ file: p.file, before, snapshot: p.entry.id, evidence, preRepairSnapshot: pre?.id ?? null });
  }
  const check = await checkFileFor(ctx);
  const restored = done.map(({ file, snapshot, evidence, preRepairSnapshot }) => ({ file, snapshot, evidence, preRepairSnapshot }));
  const message = `restored ${done.map((d) => `${d.file} from ${d.snapshot}${d.evidence ? ` (the broken file is kept at ${d.evidence})` : ''}`).join(', ')}`;
  if (check.state !== 'valid' && opts.keepInvalid) {
    const why = `the config is still ${check.state} with the included copies seen healthy (${(check.error ?? '').slice(0, 160)})`;
    return { applied: false, message: `${why}; kept in place while a copy of the main file is tried`, restored: [], pending: { undo, message, restored } };
  }
  if (check.state !== 'valid') {
    await undo();
    return { applied: false, message: `the config is still ${check.state} with the included copies seen healthy (${(check.error ?? '').slice(0, 160)}); put back as they were`, restored: [] };
  }
  // The copies of broken bytes beside each file bounded like the main file's once the repair holds (EVIDENCE_BOUND), the
  // one named kept: one more per repair, they were bounded only by the 30-day age rule.
  for (const d of done) if (d.evidence !== null) await boundEvidenceBeside(d.before.realPath, d.evidence);
  return { applied: true, message, restored };
}

/**
 * For a config that parses, whose included files parse, and that is still invalid: puts back the included files changed
 * since seen healthy, one at a time first (the least change), then all of them together. Each try is validated and
 * undone by restoreIncludedFiles when it does not make the config valid.
 */
export async function restoreChangedIncludedFiles(ctx: DoctorContext, main: IncludingConfig, changed: readonly IncludeProblem[]): Promise<IncludedRestore> {
  const tries = changed.length > 1 ? [...changed.map((c) => [c]), changed] : [changed];
  const messages: string[] = [];
  for (const t of tries) {
    const r = await restoreIncludedFiles(ctx, main, t);
    if (r.applied) return r;
    messages.push(r.message);
  }
  return { applied: false, message: messages.join('; '), restored: [] };
}
