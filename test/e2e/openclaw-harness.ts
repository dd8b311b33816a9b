// Running the real OpenClaw gateway under Clawback in tests: the Node 24 + openclaw install, an isolated HOME, cleanup, timings.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openclawPresetConfig } from '../../src/presets/openclaw.js';
import { tempDir } from '../helpers/daemon.js';
import { httpGet, processesWithEnv } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE = process.env.CLAWBACK_E2E_CACHE ?? path.join(ROOT, '.cache', 'e2e');
export const NODE24 = path.join(CACHE, 'node_modules', '.bin', 'node');
const OPENCLAW_PKG = path.join(CACHE, 'node_modules', 'openclaw');

/** The openclaw script named by the package's bin entry. */
export function openclawScript(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(OPENCLAW_PKG, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.openclaw;
    return rel ? path.join(OPENCLAW_PKG, rel) : undefined;
  } catch {
    return undefined;
  }
}

export const OPENCLAW_AVAILABLE = existsSync(NODE24) && openclawScript() !== undefined;

export interface GatewayHome {
  home: string;
  configDir: string;
  configPath: string;
  /** clawback's own files (config, state). */
  dir: string;
}

/** A fresh HOME with a minimal valid gateway config on `port`; the JSON log stays inside HOME. */
export function gatewayHome(port: number, configText?: string): GatewayHome {
  const dir = tempDir('clawback-e2e-');
  const home = path.join(dir, 'home');
  const configDir = path.join(home, '.openclaw');
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const configPath = path.join(configDir, 'openclaw.json');
  writeFileSync(configPath, configText ?? goodConfig(port, home), { mode: 0o600 });
  return { home, configDir, configPath, dir };
}

export function goodConfig(port: number, home: string): string {
  const cfg = {
    gateway: { mode: 'local', bind: 'loopback', port },
    logging: { file: path.join(home, 'openclaw-log.jsonl') },
    update: { checkOnStart: false },
  };
  return `${JSON.stringify(cfg, null, 2)}\n`;
}

export interface Tweaks {
  /** Probe intervals tuned for a test (the preset's 10 s liveness interval is for production). */
  fast?: boolean;
  snapshotAfter?: string;
  /**
   * Hide the test runner (VITEST, NODE_ENV=test) from the gateway, so it runs as a user's would (default). With
   * them openclaw switches to its own test mode: no channels start, nothing is logged, no lock files.
   */
  asUser?: boolean;
}

/**
 * The preset's service, as `clawback init` would write it, run by the Node 24 binary. Test-only
 * changes: faster liveness ticks, an earlier last-known-good snapshot, no periodic config probe
 * (its validator is a whole CLI start competing for the 2 cores with the gateway's own start).
 */
export function e2eClawbackConfig(g: GatewayHome, port: number, t: Tweaks = {}): { services: Array<Record<string, unknown>> } & Record<string, unknown> {
  const raw = openclawPresetConfig({
    openclaw: [NODE24, openclawScript()!],
    port,
    home: g.home,
    configPath: g.configPath,
    env: { HOME: g.home, NO_COLOR: '1', OPENCLAW_NO_AUTO_UPDATE: '1' },
    startupGrace: '180s',
  }) as { services: Array<Record<string, unknown>> };
  const svc = raw.services[0]!;
  const probes = (svc.probes as Array<Record<string, unknown>>).filter((p) => p.kind !== 'config');
  if (t.fast !== false) {
    for (const p of probes) {
      if (p.name === 'liveness') Object.assign(p, { interval: '2s', timeout: '3s', failureThreshold: 3 });
      if (p.name === 'stopped') Object.assign(p, { interval: '1s', failureThreshold: 2 });
    }
  }
  svc.probes = probes;
  if (t.asUser !== false) svc.unsetEnv = [...((svc.unsetEnv as string[]) ?? []), 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'VITEST_MODE', 'NODE_ENV'];
  svc.doctor = { ...(svc.doctor as Record<string, unknown>), snapshotAfter: t.snapshotAfter ?? '10s', timeout: '120s' };
  return { api: { port: 0 }, services: [svc] };
}

export async function healthz(port: number): Promise<boolean> {
  const r = await httpGet(`http://127.0.0.1:${port}/healthz`, 3000).catch(() => ({ status: 0 }));
  return r.status === 200;
}

/** Pids whose environment carries HOME=<home>: everything a test's gateway started, however detached. */
export function pidsWithHome(home: string): number[] {
  return processesWithEnv(`HOME=${home}`);
}

/** pid, parent, group and argv of each process carrying HOME=<home> (what a case left behind, for the failure message). */
export function describePids(pids: number[]): string[] {
  return pids.map((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      return `${pid} ppid=${f[1]} pgid=${f[2]} ${argv}`;
    } catch {
      return `${pid} (gone)`;
    }
  });
}

/** SIGKILL whatever is left of a test's gateway tree (workers, spawn broker): identified by its private HOME. */
export async function killLeftovers(home: string): Promise<number[]> {
  const killed: number[] = [];
  for (let round = 0; round < 20; round++) {
    const left = pidsWithHome(home);
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...new Set(killed)];
}

/** Removes a case's files (~100 MB once the gateway ran) unless CLAWBACK_E2E_KEEP=1 asks to keep them for a post-mortem. */
export function removeCaseDir(g: GatewayHome | undefined): void {
  if (!g || process.env.CLAWBACK_E2E_KEEP === '1') return;
  rmSync(g.dir, { recursive: true, force: true });
}

/** Files in dir whose bytes equal `bytes` (where the broken config was kept). */
export function filesWithBytes(dir: string, bytes: Buffer): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 4) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) {
        try {
          if (readFileSync(p).equals(bytes)) out.push(p);
        } catch {
          // unreadable
        }
      }
    }
  };
  walk(dir, 0);
  return out;
}

export interface Timing {
  case: string;
  what: string;
  ms: number;
}

export function timingTable(rows: Timing[]): string {
  return rows.map((r) => `${r.case.padEnd(28)} ${r.what.padEnd(44)} ${(r.ms / 1000).toFixed(1).padStart(7)} s`).join('\n');
}
