// A journal time as the person reading the terminal reads it: in their zone ($TZ or the system's), its offset written
// on it. `clawback incidents` and `incident ID` printed UTC with no zone: in Tokyo, an incident opened at 02:08 read 17:08.

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "2026-12-05 02:08:36+09:00" (with ms: "02:08:36.739"): local date and time, and the zone's offset at that time. */
export function localStamp(ms: number, opts: { millis?: boolean } = {}): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${opts.millis ? `.${pad(d.getMilliseconds(), 3)}` : ''}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}${zone}`;
}
