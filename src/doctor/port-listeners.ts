// Who listens on a TCP port: /proc/net/tcp{,6} LISTEN sockets mapped to pids via /proc/*/fd, or lsof elsewhere.
import { promises as fs, existsSync } from 'node:fs';
import type { CommandRunner } from './types.js';
import { fdsLinkingTo } from '../platform/proc-fds.js';

export interface PortListeners {
  pids: number[];
  /** LISTEN sockets on the port whose owner we could not see (another user's process). */
  unresolved: number;
  source: 'proc' | 'lsof' | 'none';
  /** Per LISTEN socket seen in /proc, the pids holding it (one socket is shared by a parent and what inherited it). */
  sockets?: number[][];
}

const TCP_LISTEN = '0A';

/** The address of a /proc/net/tcp{,6} local-address field ("0100007F" or 32 hex digits, 32-bit words in host order). */
export function procAddress(hex: string): string | undefined {
  const words = hex.match(/.{8}/g);
  if (!words || (words.length !== 1 && words.length !== 4)) return undefined;
  const bytes = words.flatMap((w) => [6, 4, 2, 0].map((i) => parseInt(w.slice(i, i + 2), 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonical(groups.join(':'));
}

/** One spelling per address: IPv6 compressed as URLs write it, IPv4-mapped as plain IPv4. */
function canonical(a: string): string {
  if (!a.includes(':')) return a;
  const h = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (!mapped) return h;
  const [hi, lo] = [parseInt(mapped[1] ?? '0', 16), parseInt(mapped[2] ?? '0', 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Whether a listener on `addr` stands in the way of a bind of `host` on the same port: a wildcard on either side
 * (0.0.0.0 against IPv4, :: against everything, as a v6-only :: cannot be told from a dual-stack one here), or the same address.
 */
export function addressesConflict(addrIn: string, hostIn: string): boolean {
  const [addr, host] = [canonical(addrIn), canonical(hostIn)];
  const v4 = (a: string): boolean => a.includes('.');
  if (addr === '::' || host === '::') return true;
  if (addr === '0.0.0.0') return v4(host);
  if (host === '0.0.0.0') return v4(addr);
  return addr === host;
}

/** Socket inodes of LISTEN sockets on port, from the text of /proc/net/tcp or tcp6; with hosts, only those in their way. */
export function listenInodes(procNetTcp: string, port: number, hosts?: readonly string[]): number[] {
  const out: number[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1] ?? '';
    const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (localPort !== port || f[3] !== TCP_LISTEN) continue;
    const addr = procAddress(local.slice(0, local.lastIndexOf(':')));
    if (hosts !== undefined && hosts.length > 0 && addr !== undefined && !hosts.some((h) => addressesConflict(addr, h))) continue;
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

/** The pids listening on port (sorted), via /proc when present, else `lsof` (if it runs); with hosts, only those in their way. */
export async function findPortListeners(port: number, runner?: CommandRunner, hosts?: readonly string[]): Promise<PortListeners> {
  if (existsSync('/proc/net/tcp')) {
    const inodes: number[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await fs.readFile(table, 'utf8').catch(() => '');
      inodes.push(...listenInodes(text, port, hosts));
    }
    const holders = await pidsHoldingInodes(inodes);
    const pids = new Set<number>();
    for (const list of holders.values()) for (const pid of list) pids.add(pid);
    const unresolved = inodes.filter((i) => !holders.has(i)).length;
    const sockets = [...holders.values()];
    if (unresolved === 0 || !runner) return { pids: [...pids].sort((a, b) => a - b), unresolved, source: 'proc', sockets };
    const viaLsof = await lsofListeners(port, runner);
    for (const pid of viaLsof) pids.add(pid);
    return { pids: [...pids].sort((a, b) => a - b), unresolved: viaLsof.length > 0 ? 0 : unresolved, source: 'proc', sockets };
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
