// Reads what the benchmark measures about processes (CPU ticks, RSS, tree, liveness) straight from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

function getconf(name, fallback) {
  try {
    const n = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** Machine constants, read once by the caller and passed around. */
export function procConstants() {
  return { clkTck: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
}

/** /proc/PID/stat: state, ppid, utime+stime (ticks), start time (ticks), rss (bytes); undefined when gone. */
export function readStat(pid, pageSize = 4096) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (field) => Number(f[field - 3]);
  return { pid, state: f[0], ppid: n(4), cpuTicks: n(14) + n(15), startTime: n(22), rssBytes: n(24) * pageSize };
}

/** True while the pid exists and is not a zombie. */
export function isAlive(pid, pageSize) {
  const s = readStat(pid, pageSize);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** VmRSS and VmHWM (peak) in bytes from /proc/PID/status. */
export function readMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function allStats(pageSize) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry), pageSize);
    if (s) out.push(s);
  }
  return out;
}

/** The pid and every descendant (one scan of /proc: callers cache it, it is not cheap). */
export function treePids(rootPid, pageSize) {
  const all = allStats(pageSize);
  const kids = new Map();
  for (const s of all) {
    if (!kids.has(s.ppid)) kids.set(s.ppid, []);
    kids.get(s.ppid).push(s.pid);
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (out.includes(pid)) continue;
    out.push(pid);
    queue.push(...(kids.get(pid) ?? []));
  }
  return out;
}

/** Pids whose environment carries MARKER=value: everything this run started, and nothing else. */
export function pidsWithMarker(name, value) {
  const needle = `${name}=${value}`;
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(needle)) out.push(Number(entry));
    } catch {
      // gone or not readable: not ours to judge
    }
  }
  return out;
}

/** CPU use of one process over a window: call start(), later stop() -> percent of one core. */
export function cpuMeter(pid, clkTck, pageSize) {
  const first = readStat(pid, pageSize);
  const t0 = performance.now();
  return {
    stop() {
      const last = readStat(pid, pageSize);
      const seconds = (performance.now() - t0) / 1000;
      if (!first || !last || seconds <= 0) return undefined;
      return { percent: ((last.cpuTicks - first.cpuTicks) / clkTck / seconds) * 100, seconds, cpuSeconds: (last.cpuTicks - first.cpuTicks) / clkTck };
    },
  };
}

export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
}

/**
 * The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows, machine-wide):
 * a dropped SYN is retried after 1 s, so a probe lateness near 1 s with this count rising is the sink's backlog,
 * not the daemon. Undefined where /proc/net/netstat lacks it.
 */
export function listenOverflows() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      if (!lines[i].startsWith('TcpExt:')) continue;
      const names = lines[i].split(' ');
      const values = lines[i + 1].split(' ');
      const at = names.indexOf('ListenOverflows');
      return at > 0 ? Number(values[at]) : undefined;
    }
  } catch {
    // not Linux, or /proc/net hidden
  }
  return undefined;
}

