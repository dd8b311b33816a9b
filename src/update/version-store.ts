// Versions of a package installed side by side under one directory, `current` a symlink to the active one.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../platform/atomic-write.js';
import type { CommandRunner, RunResult } from '../doctor/types.js';
import { fileStamp } from '../platform/file-stamp.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** <dir>/active.json: what runs now and what ran before (the rollback target). */
export interface ActiveRecord {
  version: string;
  previous: string | null;
  switchedAt: number;
  /** Why the last switch happened ("update", "rollback", "doctor: reinstall"...). */
  reason: string;
}

/** Written into a version's directory when Clawback installed it: proves the install completed and what it held. */
export interface InstallManifest {
  package: string;
  version: string;
  installedAt: number;
  /** Files of the package's own directory (relative) and their sizes: a missing or truncated one is a broken install. */
  files: Record<string, number>;
}

const MANIFEST = '.clawback-install.json';
const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
/** Files listed in a manifest at most (openclaw's own directory holds a few thousand). */
const MANIFEST_MAX_FILES = 50_000;
/**
 * Broken trees kept as evidence (`.replaced-<v>-<time>`), newest first. An OpenClaw install is hundreds of MB: a
 * repair that recurs must not fill the disk with them.
 */
export const KEEP_REPLACED_TREES = 2;
/** An `.installing-*` prefix this much older than the install time-out is a leftover of an install that was killed. */
const STALE_INSTALL_GRACE_MS = 60_000;

export function checkVersionName(v: string): string | undefined {
  if (!VERSION_RE.test(v) || v === 'current') return `version: expected a version such as 2026.9.6 (letters, digits, ".", "+", "_", "-"), got ${JSON.stringify(v)}`;
  return undefined;
}

export class VersionStore {
  constructor(
    readonly dir: string,
    readonly pkg: string,
  ) {}

  get currentLink(): string {
    return path.join(this.dir, 'current');
  }

  versionDir(v: string): string {
    return path.join(this.dir, v);
  }

  /** The package's own directory inside a version's prefix. */
  packageDir(v: string): string {
    return path.join(this.versionDir(v), 'node_modules', this.pkg);
  }

  /** The version `current` points at, read from the link itself (active.json may lag behind a crash). */
  async current(): Promise<string | undefined> {
    try {
      const target = await fs.readlink(this.currentLink);
      return path.basename(target);
    } catch {
      return undefined;
    }
  }

  async active(): Promise<ActiveRecord | undefined> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.dir, 'active.json'), 'utf8')) as ActiveRecord;
    } catch {
      return undefined;
    }
  }

  /** The version the package.json in a prefix says, if it is installed at all. */
  async installedVersion(v: string): Promise<string | undefined> {
    try {
      const pj = JSON.parse(await fs.readFile(path.join(this.packageDir(v), 'package.json'), 'utf8')) as { version?: string };
      return pj.version;
    } catch {
      return undefined;
    }
  }

  async manifest(v: string): Promise<InstallManifest | undefined> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.versionDir(v), MANIFEST), 'utf8')) as InstallManifest;
    } catch {
      return undefined;
    }
  }

  /**
   * Problems of an installed version: no package.json, another version inside, or files of its manifest
   * missing or of another size (a partial install). [] when it looks whole.
   */
  async integrity(v: string): Promise<string[]> {
    const got = await this.installedVersion(v);
    if (got === undefined) return [`${this.packageDir(v)}/package.json is missing`];
    if (got !== v) return [`${this.packageDir(v)} holds version ${got}, not ${v}`];
    const m = await this.manifest(v);
    if (!m) return [];
    const problems: string[] = [];
    for (const [rel, size] of Object.entries(m.files)) {
      const st = await fs.stat(path.join(this.packageDir(v), rel)).catch(() => undefined);
      if (!st) problems.push(`${rel} is missing`);
      else if (st.size !== size) problems.push(`${rel} is ${st.size} bytes, ${size} when installed`);
      if (problems.length >= 20) break;
    }
    return problems;
  }

  /**
   * npm installs `spec` into a fresh temporary prefix, which is renamed to <dir>/<v> only when the install
   * completed and holds version v: a failed or interrupted install never leaves a half tree under a version's name.
   */
  async install(
    v: string,
    spec: string,
    opts: { runner: CommandRunner; npm: string[]; args: string[]; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
  ): Promise<{ ok: true; ms: number; removedLeftovers: string[] } | { ok: false; error: string; result?: RunResult }> {
    const started = Date.now();
    await mkdirRecursive(this.dir);
    const removedLeftovers = await this.removeStaleInstalls(started - opts.timeoutMs - STALE_INSTALL_GRACE_MS);
    const tmp = path.join(this.dir, `.installing-${v}-${randomBytes(3).toString('hex')}`);
    await mkdirRecursive(tmp);
    await fs.writeFile(path.join(tmp, 'package.json'), JSON.stringify({ name: `clawback-${this.pkg.replace(/[@/]/g, '-')}-${v}`, private: true }, null, 2));
    const argv = [...opts.npm, 'install', '--prefix', tmp, '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', ...opts.args, spec];
    const r = await opts.runner(argv, { timeoutMs: opts.timeoutMs, cwd: tmp, env: opts.env, ...(opts.signal ? { signal: opts.signal } : {}) });
    const fail = async (error: string): Promise<{ ok: false; error: string; result: RunResult }> => {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      return { ok: false, error, result: r };
    };
    if (r.code !== 0) return fail(`npm install ${spec} failed (${r.error ?? (r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`)}): ${lastLine(r.stderr || r.stdout)}`);
    const pj = await fs.readFile(path.join(tmp, 'node_modules', this.pkg, 'package.json'), 'utf8').then((t) => JSON.parse(t) as { version?: string }).catch(() => undefined);
    if (pj?.version !== v) return fail(`npm installed ${pj?.version ? `version ${pj.version}` : 'no package'} for ${spec}, expected ${this.pkg} ${v}`);
    const manifest: InstallManifest = { package: this.pkg, version: v, installedAt: Date.now(), files: await listFiles(path.join(tmp, 'node_modules', this.pkg)) };
    await writeFileAtomic(path.join(tmp, MANIFEST), `${JSON.stringify(manifest)}\n`);
    const dest = this.versionDir(v);
    const old = await fs.lstat(dest).catch(() => undefined);
    // A broken tree under the same name is kept as evidence, never deleted.
    if (old) await fs.rename(dest, path.join(this.dir, `.replaced-${v}-${fileStamp(Date.now())}`));
    await fs.rename(tmp, dest);
    removedLeftovers.push(...(await this.pruneReplaced(KEEP_REPLACED_TREES)));
    return { ok: true, ms: Date.now() - started, removedLeftovers };
  }

  /** Prefixes of installs killed mid-way (a daemon stopped during `npm install`), last touched before `before`. */
  private async removeStaleInstalls(before: number): Promise<string[]> {
    const gone: string[] = [];
    for (const n of await fs.readdir(this.dir).catch(() => [] as string[])) {
      if (!n.startsWith('.installing-')) continue;
      const st = await fs.lstat(path.join(this.dir, n)).catch(() => undefined);
      if (!st || st.mtimeMs >= before) continue;
      await fs.rm(path.join(this.dir, n), { recursive: true, force: true });
      gone.push(n);
    }
    return gone;
  }

  /** Keeps the newest `keep` broken trees (by the time in their names) and removes the older ones. */
  async pruneReplaced(keep: number): Promise<string[]> {
    const names = (await fs.readdir(this.dir).catch(() => [] as string[])).filter((n) => n.startsWith('.replaced-'));
    // `.replaced-<v>-<ISO time with - for : and .>`: the time is the name's last 24 characters, sortable as text.
    const newestFirst = names.sort((a, b) => b.slice(-24).localeCompare(a.slice(-24)));
    const gone = newestFirst.slice(keep);
    for (const n of gone) await fs.rm(path.join(this.dir, n), { recursive: true, force: true });
    return gone;
  }

  /** Points `current` at v atomically (a temp link renamed over it) and records the switch. */
  async switchTo(v: string, reason: string, now: number): Promise<ActiveRecord> {
    const before = await this.current();
    const tmp = path.join(this.dir, `.current-${randomBytes(3).toString('hex')}`);
    await fs.symlink(v, tmp);
    await fs.rename(tmp, this.currentLink);
    const record: ActiveRecord = { version: v, previous: before && before !== v ? before : ((await this.active())?.previous ?? null), switchedAt: now, reason };
    await writeFileAtomic(path.join(this.dir, 'active.json'), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  }

  /** Version directories, oldest switch first is unknown: sorted by mtime. */
  async versions(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const out: Array<{ v: string; t: number }> = [];
    for (const n of names) {
      if (n.startsWith('.') || n === 'current' || n === 'active.json' || checkVersionName(n)) continue;
      const st = await fs.lstat(path.join(this.dir, n)).catch(() => undefined);
      if (st?.isDirectory()) out.push({ v: n, t: st.mtimeMs });
    }
    return out.sort((a, b) => a.t - b.t).map((x) => x.v);
  }

  /** Removes the oldest versions beyond `keep`, never the active or the previous one. */
  async prune(keep: number): Promise<string[]> {
    const act = await this.active();
    const protectedV = new Set([await this.current(), act?.version, act?.previous].filter((x): x is string => !!x));
    const all = await this.versions();
    const removable = all.filter((v) => !protectedV.has(v));
    const extra = all.length - keep;
    const gone = removable.slice(0, Math.max(0, extra));
    for (const v of gone) await fs.rm(this.versionDir(v), { recursive: true, force: true });
    return gone;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

async function listFiles(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let count = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (count >= MANIFEST_MAX_FILES) return;
      const full = path.join(dir, e.name);
      // The package's own tree only: its dependencies have their own directories beside it.
      if (e.isDirectory()) {
        if (e.name === 'node_modules') continue;
        await walk(full);
      } else if (e.isFile()) {
        out[path.relative(root, full)] = (await fs.stat(full)).size;
        count += 1;
      }
    }
  };
  await walk(root);
  return out;
}
