// Where there is no /proc (macOS), a process's start is `ps -o lstart=`: read it as the gateway does (C locale, UTC).
import { createRequire } from 'node:module';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LSTART = /^(\w{3})\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/;

/**
 * Pure: `ps -o lstart=` text in the C locale ("Thu Dec  3 17:41:39 2026") read as UTC, in epoch ms; undefined for
 * anything else (another locale's names, an impossible date). Never Date.parse: it reads a zone-less text in the
 * reader's own time zone, so the same start would differ by the zone offset between two readers.
 */
export function parseLstartUtc(text: string): number | undefined {
  const m = LSTART.exec(text.trim());
  if (!m) return undefined;
  const [, day, mon, d, hh, mm, ss, yyyy] = m;
  const month = MONTHS.indexOf(mon!);
  if (month < 0 || !DAYS.includes(day!)) return undefined;
  const ms = Date.UTC(Number(yyyy), month, Number(d), Number(hh), Number(mm), Number(ss));
  const back = new Date(ms);
  // Rejects 31 Feb and the like (Date.UTC would roll them over), and a weekday that does not match the date.
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() !== month || DAYS[back.getUTCDay()] !== day) return undefined;
  return ms;
}

/** The env for `ps`: the C locale's names and UTC, whatever this process's locale and zone are. */
export function lstartEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, LC_ALL: 'C', TZ: 'UTC' };
}

/** `ps -o lstart= -p <pid>` in the C locale and UTC; undefined when ps fails or prints nothing (no such pid). */
export function readLstartText(pid: number): string | undefined {
  try {
    // child_process loaded on use, as proc.ts's ps: not by every CLI command that imports this.
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', env: lstartEnv(), timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}
