// Terminal rendering helpers for the CLI: durations, byte sizes, colour only on a TTY.
export { formatTtr } from '../observe/time-to-recover.js';

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/**
 * Colour only on a terminal, and never when the user asked for none: NO_COLOR set to anything but the empty string
 * (no-color.org), or TERM=dumb (an Emacs shell, a serial console).
 */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function paint(enabled: boolean): Paint {
  const wrap = (code: number) => (s: string): string => (enabled ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };
}

export function humanDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** How long a process ran before it exited: under a second in ms ("12 ms", a start-up crash), not "0s". */
export function exitDuration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : humanDuration(ms);
}

/**
 * "last exit code 1 after 12 ms", or, for a start that failed before any process ran (no exit to describe: it read
 * "last exit code null after 0 ms"), "last start failed, no process ran: <the spawn error>".
 */
export function lastExitText(e: { code: number | null; signal: string | null; uptimeMs: number; startError?: string }): string {
  if (typeof e.startError === 'string') return `last start failed, no process ran: ${e.startError}`;
  return `last exit ${e.signal ? `signal ${e.signal}` : `code ${e.code}`} after ${exitDuration(e.uptimeMs)}`;
}

/** Sizes in binary units everywhere (KiB, MiB, GiB), as the docs write them: 255_852_544 -> "244 MiB". */
export function humanBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  if (n < 1024 ** 3) return `${Math.round(n / 1024 / 1024)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Pads columns by visible width (colour codes excluded). */
export function table(rows: string[][]): string {
  const visible = (s: string): number => s.replace(/\u001b\[\d+m/g, '').length;
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c)))).join('  ')).join('\n');
}
