// Who listens on a TCP port: /proc/net/tcp{,6} LISTEN sockets mapped to pids via /proc/*/fd, or lsof elsewhere.
import { promises as fs, existsSync } from 'node:fs';
import type { CommandRunner } from './types.js';
import { fdsLinkingTo } from '../platform/proc-fds.js';

export interface PortListeners {
  pids: number[];
  /** LISTEN sockets on the port whose owner we could not see (another user's process). */
  unresolved: number;
  source: 'proc' | 'lsof' | 'none';
}

const TCP_LISTEN = '0A';

/** Socket inodes of LISTEN sockets on port, from the text of /proc/net/tcp or tcp6. */
export function listenInodes(procNetTcp: string, port: number): number[] {
  const out: number[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1] ?? '';
    const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (localPort !== port || f[3] !== TCP_LISTEN) continue;
    const inode = Number(f[9]);
    if (Number.isInteger(inode) && inode > 0) out.push(inode);
  }
  return out;
}

/** Pids whose fd table holds one of the socket inodes (only processes we may inspect). */
export async function pidsHoldingInodes(inodes: readonly number[]): Promise<Map<number, number[]>> {
  const found = new Map<number, number[]>();
  for (const hit of await fdsLinkingTo(new Set(inodes.map((i) => `socket:[${i}]`)))) {
    const inode = Number(hit.link.slice(8, -1));
    const list = found.get(inode) ?? [];
    list.push(hit.pid);
    found.set(inode, list);
  }
  return found;
}

/** The pids listening on port (sorted), via /proc when present, else `lsof` (if it runs). */
export async function findPortListeners(port: number, runner?: CommandRunner): Promise<PortListeners> {
  if (existsSync('/proc/net/tcp')) {
    const inodes: number[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await fs.readFile(table, 'utf8').catch(() => '');
      inodes.push(...listenInodes(text, port));
    }
    const holders = await pidsHoldingInodes(inodes);
    const pids = new Set<number>();
    for (const list of holders.values()) for (const pid of list) pids.add(pid);
    const unresolved = inodes.filter((i) => !holders.has(i)).length;
    if (unresolved === 0 || !runner) return { pids: [...pids].sort((a, b) => a - b), unresolved, source: 'proc' };
    const viaLsof = await lsofListeners(port, runner);
    for (const pid of viaLsof) pids.add(pid);
    return { pids: [...pids].sort((a, b) => a - b), unresolved: viaLsof.length > 0 ? 0 : unresolved, source: 'proc' };
  }
  if (!runner) return { pids: [], unresolved: 0, source: 'none' };
  const pids = await lsofListeners(port, runner);
  return { pids, unresolved: 0, source: 'lsof' };
}

async function lsofListeners(port: number, runner: CommandRunner): Promise<number[]> {
  const r = await runner(['lsof', '-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fp'], { timeoutMs: 5_000 });
  if (r.error !== undefined) return [];
  const pids = new Set<number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^p(\d+)$/.exec(line.trim());
    if (m) pids.add(Number(m[1]));
  }
  return [...pids].sort((a, b) => a - b);
}
