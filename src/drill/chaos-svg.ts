// The chaos run as one picture: a hand-written SVG of up/down over time, each fault's window coloured by the ladder level it reached, and the daemon's RSS.
import type { ChaosReport } from './chaos-result.js';

const W = 1000;
const LEFT = 70;
const RIGHT = 20;
const LEVEL_COLOURS = ['#4caf50', '#cddc39', '#ff9800', '#9c27b0', '#e53935'];
const LEVEL_NAMES = ['keep-alive', 'watchdog', 'doctor', 'AI', 'human'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Tick spacing (ms) giving about 6-12 ticks over the span. */
export function tickStepMs(spanMs: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);
  return steps.find((s) => spanMs / s <= 12) ?? 14_400_000;
}

function fmtOffset(ms: number): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}` : m > 0 ? `${m}m${s % 60 ? String(s % 60).padStart(2, '0') : ''}` : `${s}s`;
}

export function renderChaosSvg(r: ChaosReport): string {
  const t0 = r.startedAt;
  const span = Math.max(1, r.finishedAt - t0);
  const x = (t: number): number => LEFT + ((Math.min(Math.max(t, t0), r.finishedAt) - t0) / span) * (W - LEFT - RIGHT);
  const width = (a: number, b: number): number => Math.max(1, x(b) - x(a));
  const out: string[] = [];
  const H = 250;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  const avail = r.availability === null ? 'n/a' : `${(r.availability * 100).toFixed(3)} %`;
  out.push(`<title>${escapeXml(`clawback drill chaos on ${r.service}: availability ${avail}, ${r.faults.length} faults`)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="16" font-size="13" font-weight="bold">${escapeXml(`${r.service}: availability ${avail} over ${fmtOffset(span)}, ${r.faults.length} faults (seed ${r.seed})`)}</text>`);
  // Row 1: up/down as the outside poll saw it.
  out.push(`<text x="4" y="45">service</text>`);
  out.push(`<rect x="${LEFT}" y="30" width="${W - LEFT - RIGHT}" height="24" fill="#a5d6a7"/>`);
  for (const o of r.outages) {
    out.push(`<rect x="${x(o.from).toFixed(1)}" y="30" width="${width(o.from, o.to).toFixed(1)}" height="24" fill="#e53935"><title>${escapeXml(`down ${((o.to - o.from) / 1000).toFixed(1)} s at +${fmtOffset(o.from - t0)}${o.open ? ' (still down at the end)' : ''}`)}</title></rect>`);
  }
  // Row 2: fault windows, coloured by the highest ladder level.
  out.push(`<text x="4" y="81">faults</text>`);
  for (const f of r.faults) {
    const level = f.level ?? 0;
    const colour = LEVEL_COLOURS[Math.min(4, Math.max(0, level))]!;
    const label = `#${f.n} ${f.kind} at +${fmtOffset(f.injectedAt - t0)}: level ${f.level ?? '-'}${f.neededHuman ? ', needed a human' : ''}; ${f.outcome}`;
    out.push(`<rect x="${x(f.injectedAt).toFixed(1)}" y="64" width="${width(f.injectedAt, f.endedAt).toFixed(1)}" height="24" fill="${colour}" stroke="${f.neededHuman ? '#000' : 'none'}"><title>${escapeXml(label)}</title></rect>`);
    out.push(`<line x1="${x(f.injectedAt).toFixed(1)}" y1="58" x2="${x(f.injectedAt).toFixed(1)}" y2="92" stroke="#000" stroke-width="1"/>`);
    out.push(`<text x="${(x(f.injectedAt) + 2).toFixed(1)}" y="100" font-size="9">${f.level ?? '-'}</text>`);
  }
  // Row 3: daemon RSS.
  const rss = r.daemon.samples;
  const top = 115;
  const bottom = 195;
  out.push(`<text x="4" y="${top + 10}">daemon RSS</text>`);
  out.push(`<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${bottom - top}" fill="none" stroke="#ccc"/>`);
  if (rss.length > 0) {
    const max = Math.max(...rss.map((s) => s.rssBytes));
    const y = (b: number): number => bottom - (b / (max || 1)) * (bottom - top - 5);
    out.push(`<polyline fill="none" stroke="#1e88e5" stroke-width="1.5" points="${rss.map((s) => `${x(s.at).toFixed(1)},${y(s.rssBytes).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<text x="4" y="${top + 24}" font-size="9">max ${(max / 1048576).toFixed(0)} MiB</text>`);
  }
  // Time axis.
  const step = tickStepMs(span);
  for (let t = 0, i = 0; t <= span && i < 200; t += step, i++) {
    const px = x(t0 + t).toFixed(1);
    out.push(`<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="#000"/><text x="${px}" y="${bottom + 17}" text-anchor="middle">${fmtOffset(t)}</text>`);
  }
  // Legend.
  let lx = LEFT;
  out.push(`<rect x="${lx}" y="${H - 20}" width="10" height="10" fill="#e53935"/><text x="${lx + 14}" y="${H - 11}">down (outside poll)</text>`);
  lx += 130;
  LEVEL_NAMES.forEach((name, level) => {
    out.push(`<rect x="${lx}" y="${H - 20}" width="10" height="10" fill="${LEVEL_COLOURS[level]}"/><text x="${lx + 14}" y="${H - 11}">L${level} ${name}</text>`);
    lx += 100;
  });
  out.push(`<text x="${lx}" y="${H - 11}">black outline: needed a human</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
