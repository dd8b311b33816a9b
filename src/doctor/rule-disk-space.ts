// A nearly full volume kills services in odd ways: compress the service's rotated logs (never the live one) and say how much was freed.
import { promises as fs, createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import type { DoctorContext, Finding, RepairRule } from './types.js';
import { existingAncestor } from '../platform/disk-room.js';

export const DISK_SPACE = 'disk-space';

export interface VolumeSpace {
  freeBytes: number;
  totalBytes: number;
}

export interface DiskSpaceOptions {
  /** Below this fraction free the volume is nearly full (default 0.05). */
  minFreeRatio?: number;
  /**
   * Below this many bytes free the volume is nearly full. Default: 500 MiB, or 10 % of a volume smaller than 5 GiB
   * (a 16 MiB partition can never have 500 MiB free: an absolute floor made the doctor exit 2 there for ever).
   */
  minFreeBytes?: number;
  /** Override of statfs (tests). */
  statfs?: (p: string) => Promise<VolumeSpace>;
}

async function realStatfs(p: string): Promise<VolumeSpace> {
  const s = await fs.statfs(p);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** The service's logs directory: logs.dir, else <stateDir>/logs. */
export function logsDirOf(ctx: DoctorContext): string {
  return ctx.service.logs.dir ?? path.join(ctx.stateDir, 'logs');
}

/** Rotated logs of the service (`<name>.log.N`, uncompressed), oldest number last. */
export async function rotatedLogs(logsDir: string, service: string): Promise<string[]> {
  const re = new RegExp(`^${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.log\\.(\\d+)$`);
  let names: string[];
  try {
    names = await fs.readdir(logsDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort((a, b) => Number(re.exec(a)![1]) - Number(re.exec(b)![1]))
    .map((n) => path.join(logsDir, n));
}

/**
 * The service's logs this rule compressed (`<name>.log.N.gz`, `<name>.log.N.M.gz`) past the newest `keep` (the number of
 * rotated logs the service keeps): nothing else prunes them, so each nearly-full run on a small box added `keep` more.
 */
export async function compressedLogsPastKeep(logsDir: string, service: string, keep: number): Promise<{ file: string; size: number }[]> {
  const re = new RegExp(`^${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.log\\.\\d+(?:\\.\\d+)?\\.gz$`);
  const names = await fs.readdir(logsDir).catch(() => [] as string[]);
  const found: { file: string; size: number; mtimeMs: number }[] = [];
  for (const n of names.filter((x) => re.test(x))) {
    const st = await fs.lstat(path.join(logsDir, n)).catch(() => undefined);
    if (st?.isFile()) found.push({ file: path.join(logsDir, n), size: st.size, mtimeMs: st.mtimeMs });
  }
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs || a.file.localeCompare(b.file)).slice(keep).map(({ file, size }) => ({ file, size }));
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function gzipAside(file: string): Promise<{ freed: number; target: string }> {
  const st = await fs.stat(file);
  const size = st.size;
  let target = `${file}.gz`;
  for (let n = 1; n < 1000; n++) {
    try {
      await fs.access(target);
      target = `${file}.${n}.gz`;
    } catch {
      break;
    }
  }
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    // zlib loads for a compression only, not with the rule.
    const { createGzip } = await import('node:zlib');
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp, { mode: 0o600 }));
    const handle = await fs.open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Dated like its log (as gzip(1) does): the newest compressed logs are those kept.
    await fs.utimes(tmp, st.atime, st.mtime);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const gzSize = (await fs.stat(target)).size;
  await fs.rm(file);
  return { freed: size - gzSize, target };
}

/** The default byte floor, and its cap as a fraction of the volume's size. */
const DEFAULT_FLOOR_BYTES = 500 * 1024 * 1024;
const DEFAULT_FLOOR_RATIO = 0.1;

export function diskSpaceRule(opts: DiskSpaceOptions = {}): RepairRule {
  const minRatio = opts.minFreeRatio ?? 0.05;
  const statfs = opts.statfs ?? realStatfs;
  const floorOf = (v: VolumeSpace): number => opts.minFreeBytes ?? (v.totalBytes > 0 ? Math.min(DEFAULT_FLOOR_BYTES, v.totalBytes * DEFAULT_FLOOR_RATIO) : DEFAULT_FLOOR_BYTES);
  const nearlyFull = (v: VolumeSpace): boolean => v.freeBytes < floorOf(v) || (v.totalBytes > 0 && v.freeBytes / v.totalBytes < minRatio);

  const watched = async (ctx: DoctorContext): Promise<{ label: string; at: string; dev: number }[]> => {
    const places = [{ label: 'logs', p: logsDirOf(ctx) }];
    if (ctx.service.configFile) places.push({ label: 'config', p: path.dirname(ctx.service.configFile.path) });
    const out: { label: string; at: string; dev: number }[] = [];
    for (const { label, p } of places) {
      const at = await existingAncestor(p);
      const dev = (await fs.stat(at)).dev;
      if (!out.some((o) => o.dev === dev)) out.push({ label, at, dev });
    }
    return out;
  };

  return {
    id: DISK_SPACE,

    async detect(ctx) {
      const out: Finding[] = [];
      const logsDir = logsDirOf(ctx);
      const logsDev = (await fs.stat(await existingAncestor(logsDir))).dev;
      for (const vol of await watched(ctx)) {
        const space = await statfs(vol.at);
        if (!nearlyFull(space)) continue;
        const rotated = vol.dev === logsDev ? await rotatedLogs(logsDir, ctx.service.name) : [];
        const pct = space.totalBytes > 0 ? ((100 * space.freeBytes) / space.totalBytes).toFixed(1) : '?';
        const f: Finding = {
          id: `${DISK_SPACE}:${vol.at}`,
          rule: DISK_SPACE,
          severity: 'critical',
          title: 'disk nearly full',
          evidence: `${mb(space.freeBytes)} free of ${mb(space.totalBytes)} (${pct} %) on the volume of the ${vol.label} dir ${vol.at}; ${rotated.length} rotated log(s) of ${ctx.service.name} to compress`,
          fixable: rotated.length > 0,
          // Below the floor (500 MiB, or 10 % of a smaller volume) is common on a small box and stops nothing: a config restore it "left" was undone.
          advisory: true,
        };
        f.fix = rotated.length > 0 ? `gzip ${rotated.length} rotated log(s) in ${logsDir} (the live log is not touched), keeping the newest ${ctx.service.logs.keep} compressed (logs.keep)` : 'free space by hand: nothing of Clawback\'s to compress there';
        out.push(f);
      }
      return out;
    },

    async fix(ctx, finding) {
      const logsDir = logsDirOf(ctx);
      const files = await rotatedLogs(logsDir, ctx.service.name);
      let freed = 0;
      const done: string[] = [];
      const failed: string[] = [];
      for (const file of files) {
        try {
          const r = await gzipAside(file);
          freed += r.freed;
          done.push(r.target);
        } catch (err) {
          failed.push(`${file}: ${(err as Error).message}`);
        }
      }
      const pruned: string[] = [];
      for (const old of await compressedLogsPastKeep(logsDir, ctx.service.name, ctx.service.logs.keep)) {
        try {
          await fs.rm(old.file);
          freed += old.size;
          pruned.push(old.file);
        } catch (err) {
          failed.push(`${old.file}: ${(err as Error).message}`);
        }
      }
      const prunedText = pruned.length > 0 ? `, removed ${pruned.length} older compressed log(s) past logs.keep (${ctx.service.logs.keep})` : '';
      return {
        finding,
        applied: done.length > 0 || pruned.length > 0,
        verified: false,
        message: `compressed ${done.length} rotated log(s) in ${logsDir}${prunedText}, freed ${mb(freed)}${failed.length ? `; ${failed.length} failed` : ''}`,
        details: { freedBytes: freed, compressed: done, pruned, failed },
      };
    },

    async verify(_ctx, finding) {
      const at = finding.id.slice(DISK_SPACE.length + 1);
      return !nearlyFull(await statfs(at));
    },
  };
}
