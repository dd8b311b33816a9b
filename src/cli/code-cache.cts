// V8's code cache for the CommonJS bundle `clawback status` loads: Node 20 has no module.enableCompileCache, and
// compiling the bundle's functions was ~3 ms of the command's ~13 ms of own work (issue 19, status vs `pm2 jlist`).
// The build trains the cache once (scripts/train-status-cache.mjs) and writes it beside the bundle, with the
// bundle's size and mtime and the Node version it was made for; anything else is not used and the bundle is
// compiled from its source as require() would. The cache lives in the package's own directory: the same trust as
// the code itself (a cache is code, so it is never read from a directory another user can write).
type Fs = typeof import('node:fs');
type Vm = typeof import('node:vm');

/** How the bundle was compiled: from the cache, from source because V8 refused the cache (another V8 or flags), from
 *  source because the cache is not for this file or this Node (`stale`), or from source with no cache (`none`). */
export type CacheUse = 'used' | 'rejected' | 'stale' | 'none';

interface CacheHeader {
  size: number;
  mtimeMs: number;
  node: string;
  arch: string;
}

/** The cache file of a bundle. */
export function codeCachePath(file: string): string {
  return `${file}.v8cache`;
}

/** The cache bytes for `file` when its header matches the file and this Node, else why not. */
function readCache(fs: Fs, file: string): { data: Buffer } | { why: 'stale' | 'none' } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(codeCachePath(file));
  } catch {
    return { why: 'none' };
  }
  try {
    const nl = buf.indexOf(10);
    const h = JSON.parse(buf.subarray(0, nl).toString('utf8')) as CacheHeader;
    const st = fs.statSync(file);
    // V8 checks only the source's length, its own version and flags: a bundle rebuilt to the same length would get
    // another build's code. The size and mtime written when the cache was trained tell the two apart.
    // Whole milliseconds: a copy that keeps times (cp -p, rsync -t) keeps the cache's use.
    if (nl > 0 && h.size === st.size && Math.trunc(h.mtimeMs) === Math.trunc(st.mtimeMs) && h.node === process.version && h.arch === process.arch) return { data: buf.subarray(nl + 1) };
  } catch {
    // A damaged header: compiled from source.
  }
  return { why: 'stale' };
}

/**
 * Runs the CommonJS `file` as require() would (one module scope; `req` resolves relative to its directory), compiled with its code cache
 * when the cache is for it. A missing file throws ENOENT. `script` is the compiled script (the trainer writes its
 * cache after running the code).
 */
export function loadWithCodeCache<T>(file: string, req: NodeJS.Require): { exports: T; cache: CacheUse; script: import('node:vm').Script } {
  const fs = require('node:fs') as Fs;
  const vm = require('node:vm') as Vm;
  const source = fs.readFileSync(file, 'utf8');
  const cached = readCache(fs, file);
  // Node's own CommonJS wrapper, so line and column numbers in stack traces are those of the file.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: file,
    ...('data' in cached ? { cachedData: cached.data } : {}),
  });
  const mod = { exports: {} as T, filename: file, id: file, loaded: false };
  const path = require('node:path') as typeof import('node:path');
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void)(mod.exports, req, mod, file, path.dirname(file));
  mod.loaded = true;
  return { exports: mod.exports, cache: 'data' in cached ? (script.cachedDataRejected ? 'rejected' : 'used') : cached.why, script };
}

/** Writes `script`'s code cache (after its code ran, so the functions it compiled are in it) for `file`, atomically. */
export function writeCodeCache(file: string, script: import('node:vm').Script): number {
  const fs = require('node:fs') as Fs;
  const st = fs.statSync(file);
  const header: CacheHeader = { size: st.size, mtimeMs: st.mtimeMs, node: process.version, arch: process.arch };
  const data = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), script.createCachedData()]);
  const tmp = `${codeCachePath(file)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, codeCachePath(file));
  return data.length;
}
