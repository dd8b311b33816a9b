// Pure crash-pattern mining: recurring exits with the same signature become one sentence for the incident and the AI prompt.
import type { ClawbackEvent } from '../observe/events.js';
import { formatBytes } from '../probes/byte-size.js';
import type { CrashPatternsConfig } from './predict-schema.js';
import { median } from './robust-stats.js';

export type ExitClass = 'oom-like' | 'killed' | 'native-crash' | 'abort' | 'terminated' | 'config' | 'exit-code' | 'unknown';

export interface CrashExit {
  time: number;
  service: string;
  code: number | null;
  signal: string | null;
  uptimeMs: number | null;
  /** Highest RSS seen shortly before the exit (exit details, memory events, probe details), bytes. */
  rssBytes: number | null;
  exitClass: ExitClass;
  /** Normalised last log line or probe finding right before the exit. */
  logPattern: string | null;
  incidentId?: string;
}

export interface CrashPatternFinding {
  service: string;
  /** Stable key: exit class (+ code) (+ log pattern for exits by code). */
  signature: string;
  exitClass: ExitClass;
  /** "OOM-like exit", "exit with code 1", ... */
  label: string;
  logPattern: string | null;
  count: number;
  firstAt: number;
  lastAt: number;
  /** Uptime at crash; similar when the coefficient of variation is at most maxUptimeCv. */
  uptime: { medianMs: number; cv: number; similar: boolean } | null;
  /** Local time-of-day range holding most (>= 75 %) of the exits, when they span more than a day and cluster within 3 hours. */
  timeOfDay: { from: string; to: string; share: number } | null;
  /** e.g. "4th OOM-like exit in 24 h, always after ~6 h uptime". */
  sentence: string;
  /** What usually causes this kind of exit, for the incident and the Level 3 prompt. */
  hint: string;
  exits: CrashExit[];
}

export interface CrashPatternOptions {
  lookbackMs: number;
  minOccurrences: number;
  /** Local time = UTC + this many minutes (see localOffsetMinutes in quiet-window.ts). Default 0. */
  tzOffsetMinutes?: number;
  /** RSS at or above this before a SIGKILL makes it OOM-like even without a memory event. */
  highRssBytes?: number;
  /** A memory warning this long before a SIGKILL makes it OOM-like (default 10 min). */
  memoryEvidenceMs?: number;
  /** A probe failure this long before an exit names its log pattern (default 60 s). */
  logEvidenceMs?: number;
  /** Uptimes count as "always after ~X" up to this coefficient of variation (default 0.25). */
  maxUptimeCv?: number;
  /** Only this service. */
  service?: string;
  /**
   * The incident whose opening asks for the patterns. Its exit is journaled just after `incident.opened`
   * (same millisecond or the next): exits of this incident up to `triggerGraceMs` after `now` count too, so
   * the current exit is always in the count (without it two incidents in a row read "8th exit").
   */
  incidentId?: string;
  /** Default 5 s. */
  triggerGraceMs?: number;
}

export function crashPatternOptionsFromConfig(config: CrashPatternsConfig, extra: Partial<CrashPatternOptions> = {}): CrashPatternOptions {
  return { lookbackMs: config.lookback, minOccurrences: config.minOccurrences, ...extra };
}

const HOUR = 3_600_000;
const TIME_OF_DAY_SPAN_MS = 3 * HOUR;
const TIME_OF_DAY_MIN_SHARE = 0.75;
const DAY = 24 * HOUR;

/**
 * Groups unexpected `service.exited` events of the lookback by service and signature and returns one
 * finding per signature seen at least minOccurrences times, most frequent first. Signature = exit class
 * (SIGKILL with high RSS before it = OOM-like; code 78 = config; other codes by value; signals by kind),
 * plus, for exits by code, the normalised last log line (details.lastLogLine) or the probe finding right
 * before the exit: the same code with two different last words is two different bugs. Uptime at crash and
 * local time of day describe a group rather than split it.
 */
export function findCrashPatterns(events: readonly ClawbackEvent[], now: number, options: CrashPatternOptions): CrashPatternFinding[] {
  const exits = collectExits(events, now, options);
  const groups = new Map<string, CrashExit[]>();
  for (const exit of exits) {
    const key = `${exit.service}\u0000${signatureOf(exit)}`;
    const list = groups.get(key) ?? [];
    list.push(exit);
    groups.set(key, list);
  }
  const findings: CrashPatternFinding[] = [];
  for (const list of groups.values()) {
    if (list.length < options.minOccurrences) continue;
    findings.push(describeGroup(list, now, options));
  }
  return findings.sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
}

/** Unexpected exits within the lookback, classified, oldest first. */
export function collectExits(events: readonly ClawbackEvent[], now: number, options: CrashPatternOptions): CrashExit[] {
  const memoryEvidenceMs = options.memoryEvidenceMs ?? 10 * 60_000;
  const logEvidenceMs = options.logEvidenceMs ?? 60_000;
  const grace = options.triggerGraceMs ?? 5_000;
  const inWindow = (e: ClawbackEvent): boolean =>
    e.time <= now || (options.incidentId !== undefined && e.incidentId === options.incidentId && e.type === 'service.exited' && e.time <= now + grace);
  // The same exit read twice (journal and bus, or a re-read journal) counts once.
  const seen = new Set<string>();
  const sorted = [...events]
    .filter(inWindow)
    .filter((e) => {
      if (e.type !== 'service.exited') return true;
      const key = `${e.service}|${e.time}|${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.time - b.time);
  const out: CrashExit[] = [];
  sorted.forEach((e, index) => {
    if (e.type !== 'service.exited' || e.service === undefined) return;
    if (options.service !== undefined && e.service !== options.service) return;
    if (e.time < now - options.lookbackMs) return;
    const d = e.details ?? {};
    if (d.expected === true) return;
    const service = e.service;
    const before = precedingEvents(sorted, index, service);
    const code = typeof d.code === 'number' ? d.code : null;
    const signal = typeof d.signal === 'string' ? d.signal : null;
    const uptimeMs = typeof d.uptimeMs === 'number' && d.uptimeMs >= 0 ? d.uptimeMs : null;

    let rssBytes = num(d.rssBytes) ?? num(d.lastRssBytes);
    let memoryEvidence = false;
    const limitBytes = num(d.limitBytes);
    for (const p of before) {
      if (p.time < e.time - memoryEvidenceMs) break;
      const pd = p.details ?? {};
      const pr = num(pd.rssBytes);
      if (pr !== null && (rssBytes === null || pr > rssBytes)) rssBytes = pr;
      if (p.type === 'memory.warning' || p.type === 'memory.limit') memoryEvidence = true;
      if (p.type === 'probe.failed' && (pd.finding === 'memory-limit' || pd.finding === 'memory-warn')) memoryEvidence = true;
      if (p.type === 'prediction.warning' && pd.kind === 'memory') memoryEvidence = true;
    }
    if (rssBytes !== null && options.highRssBytes !== undefined && rssBytes >= options.highRssBytes) memoryEvidence = true;
    if (rssBytes !== null && limitBytes !== null && rssBytes >= 0.9 * limitBytes) memoryEvidence = true;

    let logPattern = typeof d.lastLogLine === 'string' && d.lastLogLine.trim() !== '' ? normaliseLogLine(d.lastLogLine) : null;
    if (logPattern === null) {
      const probe = before.find((p) => p.type === 'probe.failed' && p.time >= e.time - logEvidenceMs);
      if (probe) logPattern = probePattern(probe);
    }
    const exit: CrashExit = {
      time: e.time,
      service,
      code,
      signal,
      uptimeMs,
      rssBytes,
      exitClass: classifyExit(code, signal, memoryEvidence),
      logPattern,
    };
    if (e.incidentId !== undefined) exit.incidentId = e.incidentId;
    out.push(exit);
  });
  return out;
}

/** Exit class from code and signal; shells report a signal as 128 + n. */
export function classifyExit(code: number | null, signal: string | null, memoryEvidence: boolean): ExitClass {
  const sig = signal ?? (code !== null && code > 128 && code < 160 ? SIGNAL_BY_NUMBER[code - 128] ?? null : null);
  if (sig === 'SIGKILL') return memoryEvidence ? 'oom-like' : 'killed';
  if (sig === 'SIGSEGV' || sig === 'SIGBUS' || sig === 'SIGILL' || sig === 'SIGFPE') return 'native-crash';
  if (sig === 'SIGABRT') return 'abort';
  if (sig !== null) return 'terminated';
  if (code === 78) return 'config';
  if (code !== null) return 'exit-code';
  return 'unknown';
}

const SIGNAL_BY_NUMBER: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

function signatureOf(exit: CrashExit): string {
  switch (exit.exitClass) {
    case 'exit-code':
      return `exit-code:${exit.code}${exit.logPattern !== null ? `|${exit.logPattern}` : ''}`;
    case 'config':
      return `config${exit.logPattern !== null ? `|${exit.logPattern}` : ''}`;
    case 'native-crash':
    case 'terminated':
      return `${exit.exitClass}:${exit.signal ?? exit.code}`;
    default:
      // After SIGKILL or an abort the last log line is incidental: the class is the signature.
      return exit.exitClass;
  }
}

function labelOf(exit: CrashExit): string {
  switch (exit.exitClass) {
    case 'oom-like':
      return 'OOM-like exit';
    case 'killed':
      return 'SIGKILL exit';
    case 'native-crash':
      return `crash by ${exit.signal ?? `code ${exit.code}`}`;
    case 'abort':
      return 'abort (SIGABRT)';
    case 'terminated':
      return `unexpected ${exit.signal ?? `code ${exit.code}`}`;
    case 'config':
      return 'config error exit (code 78)';
    case 'exit-code':
      return `exit with code ${exit.code}`;
    case 'unknown':
      return 'exit with unknown status';
  }
}

const HINTS: Record<ExitClass, string> = {
  'oom-like':
    'memory grows until the process is killed: look for a leak, raise the memory limit, or enable prediction.memory.proactiveRestart',
  killed: 'something sends SIGKILL (the kernel OOM killer, a cgroup limit, an operator): check dmesg and the service manager',
  'native-crash': 'a native crash: check native modules and the runtime version',
  abort: 'the process aborted (e.g. JavaScript heap out of memory or a failed assertion): check the last log lines',
  terminated: 'something outside Clawback stops the service',
  config: 'the service rejects its configuration (EX_CONFIG): check the config file against the last known good snapshot',
  'exit-code': 'the service exits on its own: the last log lines before the exit name the cause',
  unknown: 'the exit status is unknown (an adopted process)',
};

function describeGroup(list: CrashExit[], now: number, options: CrashPatternOptions): CrashPatternFinding {
  const first = list[0]!;
  const label = labelOf(first);
  const count = list.length;
  const uptimes = list.map((x) => x.uptimeMs).filter((u): u is number => u !== null);
  let uptime: CrashPatternFinding['uptime'] = null;
  if (uptimes.length >= options.minOccurrences) {
    const mean = uptimes.reduce((s, u) => s + u, 0) / uptimes.length;
    const sd = Math.sqrt(uptimes.reduce((s, u) => s + (u - mean) ** 2, 0) / uptimes.length);
    const cv = mean > 0 ? sd / mean : 0;
    uptime = { medianMs: median(uptimes), cv, similar: mean > 0 && cv <= (options.maxUptimeCv ?? 0.25) };
  }
  // A time of day only means something for exits on different days.
  const spansDays = list[list.length - 1]!.time - first.time >= DAY;
  const timeOfDay = spansDays ? clusterTimeOfDay(list.map((x) => x.time), options.tzOffsetMinutes ?? 0, options.minOccurrences) : null;
  const logPattern = commonLogPattern(list);
  const rss = list.map((x) => x.rssBytes).filter((r): r is number => r !== null);

  let sentence = `${ordinal(count)} ${label} in ${formatSpan(now - first.time)}`;
  if (uptime?.similar) sentence += `, always after ~${formatApprox(uptime.medianMs)} uptime`;
  if (timeOfDay) sentence += `, ${timeOfDay.share === 1 ? 'always' : 'mostly'} between ${timeOfDay.from} and ${timeOfDay.to} local time`;
  if (first.exitClass === 'oom-like' && rss.length > 0) sentence += ` (RSS up to ${formatBytes(Math.max(...rss))})`;
  if (logPattern !== null) sentence += `; last words: "${logPattern}"`;

  return {
    service: first.service,
    signature: signatureOf(first),
    exitClass: first.exitClass,
    label,
    logPattern,
    count,
    firstAt: first.time,
    lastAt: list[list.length - 1]!.time,
    uptime,
    timeOfDay,
    sentence,
    hint: HINTS[first.exitClass],
    exits: list,
  };
}

/** The largest set of exits within 3 hours of local time of day (circular), if it holds >= 75 % of them. */
function clusterTimeOfDay(times: number[], tzOffsetMinutes: number, minOccurrences: number): CrashPatternFinding['timeOfDay'] {
  const tods = times.map((t) => (((t + tzOffsetMinutes * 60_000) % DAY) + DAY) % DAY).sort((a, b) => a - b);
  let best: number[] = [];
  for (const start of tods) {
    const members = tods.filter((x) => (x - start + DAY) % DAY < TIME_OF_DAY_SPAN_MS);
    if (members.length > best.length) best = members.sort((a, b) => ((a - start + DAY) % DAY) - ((b - start + DAY) % DAY));
  }
  const share = best.length / tods.length;
  if (best.length < minOccurrences || share < TIME_OF_DAY_MIN_SHARE) return null;
  return { from: hhmm(best[0]!), to: hhmm(best[best.length - 1]!), share };
}

function commonLogPattern(list: CrashExit[]): string | null {
  const counts = new Map<string, number>();
  for (const x of list) if (x.logPattern !== null) counts.set(x.logPattern, (counts.get(x.logPattern) ?? 0) + 1);
  let best: [string, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best && best[1] >= TIME_OF_DAY_MIN_SHARE * list.length ? best[0] : null;
}

/**
 * Reduces a log line to its shape: the message of a JSON line, without timestamps, ids, hex and numbers,
 * so "ECONNREFUSED 127.0.0.1:5432 at 12:03:01" and "... at 14:10:55" are the same pattern.
 */
export function normaliseLogLine(line: string): string {
  let text = line.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const msg = parsed.msg ?? parsed.message;
      if (typeof msg === 'string') text = msg + (typeof parsed.err === 'string' ? `: ${parsed.err}` : '');
    } catch {
      // not JSON after all
    }
  }
  text = text
    .replace(/\d{4}-\d{2}-\d{2}[T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?/g, '')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/0x[0-9a-f]+/gi, '<hex>')
    .replace(/\d+(\.\d+)*/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function probePattern(e: ClawbackEvent): string {
  const d = e.details ?? {};
  const line = typeof d.line === 'string' ? d.line : typeof d.match === 'string' ? d.match : undefined;
  if (line !== undefined) return normaliseLogLine(line);
  const finding = typeof d.finding === 'string' ? d.finding : 'probe failure';
  return `${finding}: ${normaliseLogLine(e.message)}`.slice(0, 120);
}

/** Events of the service before index, newest first. */
function precedingEvents(sorted: readonly ClawbackEvent[], index: number, service: string): ClawbackEvent[] {
  const out: ClawbackEvent[] = [];
  for (let i = index - 1; i >= 0; i--) {
    const p = sorted[i]!;
    if (p.service !== service) continue;
    if (p.type === 'service.exited') break; // evidence belongs to the previous instance
    out.push(p);
  }
  return out;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

/** "24 h", "3 d", "40 min": the span rounded up, as people say "in the last 24 h". */
function formatSpan(ms: number): string {
  if (ms <= HOUR) return `${Math.max(1, Math.ceil(ms / 60_000))} min`;
  if (ms <= 48 * HOUR) return `${Math.ceil(ms / HOUR)} h`;
  return `${Math.ceil(ms / DAY)} d`;
}

/** "6 h", "1.5 h", "40 min", "30 s": a typical value rounded for a sentence. */
function formatApprox(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  const h = ms / HOUR;
  return `${h < 10 ? Math.round(h * 2) / 2 : Math.round(h)} h`;
}

function hhmm(msOfDay: number): string {
  const minutes = Math.floor(msOfDay / 60_000);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
