// The instance counts set by `clawback scale` and the autoscaler, kept in <stateDir>/scale.json across daemon restarts.
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { FileTooLargeError, NotRegularFileError, readRegularFileSync } from '../platform/read-regular.js';
import { wholeReadLimit } from '../daemon/heap-watch.js';
import type { ServiceConfig } from '../config/schema.js';
import { MAX_INSTANCES, declaredCount, isScaled } from './scaled.js';
import { MAX_PORT, portClashes, roomFor, type PortedService } from './port-ranges.js';
import { fileStamp } from '../platform/file-stamp.js';

export const SCALE_FILE = 'scale.json';
/**
 * One small entry per service of a config of at most 1 MiB fits in far less: a bigger file is not one. Read whole
 * unbounded, a 36 MB one took the config loader 7.6 s and 435 MB, and under NODE_OPTIONS=--max-old-space-size=64 it
 * killed the loader and then the daemon (exit 134) at every start. Lower on a small heap (wholeReadLimit).
 */
export const SCALE_MAX_BYTES = 8 * 1024 * 1024;

/** The most bytes of scale.json this process reads whole now. */
export function scaleReadLimit(): number {
  return wholeReadLimit(SCALE_MAX_BYTES);
}

export interface ScaleOverride {
  instances: number;
  /** The file's `instances:` when the override was made (null: the file had none). A different value in the file drops the override. */
  fileInstances: number | null;
  by: string;
  at: number;
}

export type ScaleOverrides = Record<string, ScaleOverride>;

/** The counts scale.json holds; `unread` is told why a file that is there was not read (too big, not a regular file). */
export function readScaleOverrides(stateDir: string, unread?: (why: string) => void): ScaleOverrides {
  let text: string;
  try {
    text = readRegularFileSync(path.join(stateDir, SCALE_FILE), { maxBytes: scaleReadLimit() }).toString('utf8');
  } catch (err) {
    // Missing: the file's counts apply, nothing to say. Too big or a FIFO (whose read never ended): said, not read.
    if (err instanceof FileTooLargeError || err instanceof NotRegularFileError) unread?.(`${err.message}; the config file's instance counts apply`);
    return {};
  }
  try {
    const parsed = JSON.parse(text) as { services?: unknown };
    const out: ScaleOverrides = {};
    const outOfBounds: string[] = [];
    if (parsed && typeof parsed.services === 'object' && parsed.services) {
      for (const [name, o] of Object.entries(parsed.services as Record<string, Partial<ScaleOverride>>)) {
        if (!o || typeof o !== 'object') continue;
        // Past the bound `clawback scale` and the schema keep (a hand edit): 500 instances were started at the next boot.
        if (typeof o.instances === 'number' && !(Number.isInteger(o.instances) && o.instances >= 1 && o.instances <= MAX_INSTANCES)) {
          outOfBounds.push(`${name}: ${JSON.stringify(o.instances)}`);
          continue;
        }
        if (Number.isInteger(o.instances)) {
          out[name] = { instances: o.instances!, fileInstances: typeof o.fileInstances === 'number' ? o.fileInstances : null, by: String(o.by ?? 'unknown'), at: Number(o.at ?? 0) };
        }
      }
    }
    if (outOfBounds.length > 0) {
      const shown = outOfBounds.slice(0, 5).join(', ') + (outOfBounds.length > 5 ? ` and ${outOfBounds.length - 5} more` : '');
      unread?.(`${path.join(stateDir, SCALE_FILE)}: expected instance counts from 1 to ${MAX_INSTANCES}, got ${shown}; not applied, the config file's instance counts apply to ${outOfBounds.length > 1 ? 'those services' : 'that service'}`);
    }
    return out;
  } catch {
    // Not JSON (torn, edited by hand): the file's counts apply (the daemon keeps it aside at start and says so).
    return {};
  }
}

/**
 * A scale.json that is there but is not one (torn, edited by hand) is moved aside as `scale.json.corrupt-TIME`, so the
 * next write does not destroy the evidence of the counts it held; returns where, or undefined (missing or whole).
 */
export function keepCorruptScaleFile(stateDir: string, now: number, opts: { maxBytes?: number } = {}): string | undefined {
  const file = path.join(stateDir, SCALE_FILE);
  let text = '';
  try {
    // Bounded: a huge file parsed whole at start killed the daemon (heap out of memory) at every start.
    text = readRegularFileSync(file, { maxBytes: opts.maxBytes ?? scaleReadLimit() }).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileTooLargeError)) return undefined;
    text = ''; // not read: moved aside below
  }
  try {
    if (!text) throw new Error('not read');
    const parsed = JSON.parse(text) as { services?: unknown } | null;
    if (parsed && typeof parsed === 'object' && parsed.services && typeof parsed.services === 'object' && !Array.isArray(parsed.services)) return undefined;
  } catch {
    // not JSON: moved aside below
  }
  const stamp = `${file}.corrupt-${fileStamp(now)}`;
  let aside = stamp;
  for (let n = 1; existsSync(aside) && n < 100; n++) aside = `${stamp}-${n}`;
  renameSync(file, aside);
  return aside;
}

export function writeScaleOverrides(stateDir: string, overrides: ScaleOverrides, now: number): void {
  keepCorruptScaleFile(stateDir, now);
  writeFileAtomicSync(path.join(stateDir, SCALE_FILE), JSON.stringify({ version: 1, services: overrides }, null, 2) + '\n', { mode: 0o600 });
}

/**
 * Pure: how many instances of a declared scaled service run. The override wins while the file still says what it
 * said when the override was made (an edited `instances:` means the person changed their mind: the file wins);
 * with autoscale, the result stays within [min, max].
 */
export function effectiveCount(s: Pick<ServiceConfig, 'name' | 'instances' | 'autoscale' | 'placement'>, overrides: ScaleOverrides): number {
  // One instance across the cluster, whatever scale.json says (a count kept from before a singleton was refused scaling).
  if (s.placement === 'singleton') return 1;
  const o = overrides[s.name];
  const n = o && o.fileInstances === (s.instances ?? null) ? o.instances : declaredCount(s);
  return s.autoscale ? Math.min(s.autoscale.max, Math.max(s.autoscale.min, n)) : n;
}

/** A scale override that is not applied: its instances would reach another service's port (or Clawback's API port). */
export interface RefusedOverride {
  service: string;
  instances: number;
  message: string;
}

/**
 * Pure: the overrides whose count would put an instance on a port the file gives to another service (the file's own
 * check only knows `instances:` and autoscale.max): a service added on `port + 4` after `clawback scale web 5` raced
 * web:4 for it and was held at Level 4 while web:4 answered its clients.
 */
export function overridePortClashes(
  services: ReadonlyArray<Pick<ServiceConfig, 'name' | 'port' | 'instances' | 'autoscale' | 'placement'>>,
  overrides: ScaleOverrides,
  apiPort: number | undefined,
): RefusedOverride[] {
  const fileMost = (s: Pick<ServiceConfig, 'instances' | 'autoscale'>): number => Math.max(declaredCount(s), s.autoscale?.max ?? 1);
  const ported: PortedService[] = services.map((s) => ({
    name: s.name,
    port: s.port,
    scaled: isScaled(s),
    count: isScaled(s) ? Math.max(fileMost(s), effectiveCount(s, overrides)) : 1,
  }));
  if (apiPort) ported.push({ name: "Clawback's API (api.port)", port: apiPort, scaled: false, count: 1 });
  const beyondFile = (i: number): boolean => i < services.length && ported[i]!.count > fileMost(services[i]!);
  const out: RefusedOverride[] = [];
  // Past port 65535 the expansion failed and the daemon refused to start (exit 78) on a file that is valid by itself.
  services.forEach((s, i) => {
    const count = ported[i]!.count;
    if (s.port === undefined || !beyondFile(i) || count <= roomFor(s.port)) return;
    const by = overrides[s.name];
    out.push({
      service: s.name,
      instances: count,
      message: `${s.name}: the count ${count} set${by ? ` by ${by.by}` : ''} (scale.json) needs ports ${s.port}..${s.port + count - 1}, past ${MAX_PORT}: base port ${s.port} leaves room for ${roomFor(s.port)} instance(s)`,
    });
  });
  for (const c of portClashes(ported)) {
    for (const i of [c.earlier, c.later]) {
      const s = services[i];
      if (!s || !beyondFile(i) || out.some((o) => o.service === s.name)) continue;
      const by = overrides[s.name];
      out.push({
        service: s.name,
        instances: ported[i]!.count,
        message: `${s.name}: the count ${ported[i]!.count} set${by ? ` by ${by.by}` : ''} (scale.json) ${c.message.replace(/^expected ports that do not overlap: /, 'collides with the file: ')}`,
      });
    }
  }
  return out;
}
