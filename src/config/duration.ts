// Durations in config files read like people write them ("500ms", "30s", "5m"); code works in ms. No zod here:
// the daemon uses these and never loads the schema (config/duration-schema.ts has the config field).
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(input);
  if (!m) return undefined;
  // 400 digits parse to Infinity, which a timer reads as 1 ms.
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
  return Number.isFinite(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  // Rounded first, so 119.6 s is "2m0s", never "1m60s".
  if (ms < 3_600_000) {
    const s = Math.round(ms / 1000);
    if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  }
  const m = Math.round(ms / 60_000);
  return `${Math.floor(m / 60)}h${m % 60}m`;
}
