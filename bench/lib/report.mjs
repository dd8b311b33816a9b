// Turns the run's raw results into the Markdown table (medians, min-max, ratio, goal) and writes the result files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarize } from './stats.mjs';

const MIB = 1024 * 1024;

export const fmtMs = (ms) => (ms === undefined || ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
export const fmtMiB = (b) => (b === undefined || b === null ? '—' : `${(b / MIB).toFixed(0)} MiB`);
export const fmtPct = (p) => (p === undefined || p === null ? '—' : `${p.toFixed(2)} %`);

function cell(s, fmt, bound) {
  if (!s || s.n === 0) return '—';
  if (s.never === s.n) return `never (${s.n}/${s.n} ${bound ? `within ${fmtMs(bound)}` : ''})`.replace(' )', ')');
  const range = s.n > 1 ? ` (${fmt(s.min)}–${fmt(s.max)})` : '';
  const never = s.never > 0 ? `; ${s.never}/${s.n} never${bound ? ` within ${fmtMs(bound)}` : ''}` : '';
  return `${fmt(s.median)}${range}${never}`;
}

function ratio(cb, pm2) {
  if (!cb || !pm2 || cb.n === 0 || pm2.n === 0) return '—';
  if (pm2.never === pm2.n && cb.never < cb.n) return 'PM2 never';
  if (cb.never > 0 || pm2.never > 0 || !pm2.median) return '—';
  return `${(cb.median / pm2.median).toFixed(2)}x`;
}

const verdict = (pass) => (pass === undefined ? '' : pass ? 'met' : '**missed**');

/** One table row per measured quantity: [what, clawback, pm2, ratio, goal, verdict]. */
export function buildRows(r) {
  const rows = [];
  const add = (what, cbVals, pmVals, fmt, { bound, goal, pass } = {}) => {
    const cb = cbVals ? summarize(cbVals) : undefined;
    const pm = pmVals ? summarize(pmVals) : undefined;
    rows.push({ what, clawback: cb, pm2: pm, cells: [what, cell(cb, fmt, bound?.clawback), cell(pm, fmt, bound?.pm2), ratio(cb, pm), goal ?? '', verdict(cb && cb.n > 0 && pass ? pass(cb, pm) : undefined)] });
  };
  const pick = (trials, key) => trials?.map((t) => (t.error ? null : t[key]));
  const f = r.faults ?? {};
  const limit = r.meta.options.limitMiB * MIB;
  if (f.crash) add('kill -9 → first HTTP 200', pick(f.crash.clawback, 'ms'), pick(f.crash.pm2, 'ms'), fmtMs, { goal: 'no slower than PM2', pass: (c, p) => p.median !== undefined && c.never === 0 && c.median <= p.median });
  if (f.hang) add('hang → first HTTP 200', pick(f.hang.clawback, 'ms'), pick(f.hang.pm2, 'ms'), fmtMs, { bound: { clawback: f.hang.boundMs.clawback, pm2: f.hang.boundMs.pm2 }, goal: '≤ 10 s', pass: (c) => c.never === 0 && c.max <= 10_000 });
  if (f.leak) {
    add(`leak ${r.meta.options.leakRate} MB/s: limit crossed → old instance ended`, pick(f.leak.clawback, 'goneAfterCrossMs'), pick(f.leak.pm2, 'goneAfterCrossMs'), fmtMs, { goal: '≤ 3 s', pass: (c) => c.never === 0 && c.max <= 3000 });
    add('leak: limit crossed → HTTP 200 from new instance', pick(f.leak.clawback, 'new200AfterCrossMs'), pick(f.leak.pm2, 'new200AfterCrossMs'), fmtMs);
    add(`leak: peak tree RSS (limit ${r.meta.options.limitMiB} MiB)`, pick(f.leak.clawback, 'peakBytes'), pick(f.leak.pm2, 'peakBytes'), fmtMiB, { goal: `< 1.3x limit (${fmtMiB(1.3 * limit)})`, pass: (c) => c.max < 1.3 * limit });
  }
  if (f.config) add('corrupted config + kill -9 → HTTP 200', pick(f.config.clawback, 'ms'), pick(f.config.pm2, 'ms'), fmtMs, { bound: { clawback: f.config.boundMs.clawback, pm2: f.config.boundMs.pm2 }, goal: '≤ 10 s', pass: (c) => c.never === 0 && c.max <= 10_000 });
  for (const [n, m] of Object.entries(r.idle ?? {})) {
    add(`daemon RSS at rest, ${n} service(s)`, m.clawback ? [m.clawback.rssBytes] : undefined, m.pm2 ? [m.pm2.rssBytes] : undefined, fmtMiB, { goal: '≤ 0.9x PM2', pass: (c, p) => p?.median !== undefined && c.median <= 0.9 * p.median });
    const cpuGoal = Number(n) === 1 ? 0.5 : 1.5;
    add(`daemon CPU at rest, ${n} service(s), ${r.meta.options.idleMs / 1000} s`, m.clawback ? [m.clawback.cpuPercent] : undefined, m.pm2 ? [m.pm2.cpuPercent] : undefined, fmtPct, { goal: `≤ ${cpuGoal} %`, pass: (c) => c.median <= cpuGoal });
  }
  if (r.status) add(`status command wall time (${r.status.services} services)`, r.status.clawback, r.status.pm2, fmtMs, { goal: '≤ 0.5x PM2', pass: (c, p) => p?.median !== undefined && c.median <= 0.5 * p.median });
  return rows;
}

export function buildMarkdown(r) {
  const m = r.meta;
  const lines = [];
  lines.push(`# Clawback vs PM2 — ${m.date}`, '');
  lines.push(`Command: \`${m.command}\` — ${m.trials} trial(s) per supervisor and scenario, alternating Clawback and PM2; run took ${m.durationSeconds.toFixed(0)} s.`);
  lines.push(`Machine: ${m.cpus} CPU(s), ${m.memGiB} GiB, ${m.platform}; Node ${m.node}; PM2 ${m.pm2Version}; Clawback ${m.clawbackVersion} (${m.commit}). Load average at start ${m.loadStart}, at end ${m.loadEnd}.`, '');
  lines.push('| measure | Clawback median (min–max) | PM2 median (min–max) | Clawback/PM2 | Clawback goal | result |');
  lines.push('|---|---|---|---|---|---|');
  for (const row of buildRows(r)) lines.push(`| ${row.cells.join(' | ')} |`);
  lines.push('');
  for (const s of [r.scale ?? []].flat()) {
    const every = `${(s.intervalMs ?? 1000) / 1000} s`;
    if (s.error) {
      lines.push(`Scale scenario (${s.services} services) failed: ${s.error}`, '');
      continue;
    }
    // Goals of issue 19: 100 services at 1 s: CPU <= 2 %, lateness p99 < 20 ms; 1000 at 5 s: p99 < 200 ms, nothing skipped.
    const big = s.services >= 1000;
    const cpuGoal = big ? undefined : 2;
    const lateGoal = big ? 200 : 20;
    lines.push(`## Scale: ${s.services} services under one Clawback daemon, HTTP probe ${every} + memory probe ${every} each, ${s.windowSeconds.toFixed(0)} s window`, '');
    lines.push('| measure | value | goal | result |', '|---|---|---|---|');
    lines.push(`| daemon CPU (utime+stime / wall) | ${fmtPct(s.cpuPercent)} (${s.cpuSeconds ?? '—'} s of CPU) | ${cpuGoal ? `≤ ${cpuGoal} %` : 'reported'} | ${cpuGoal ? verdict(s.cpuPercent !== null ? s.cpuPercent <= cpuGoal : undefined) : ''} |`);
    lines.push(`| daemon RSS (peak) | ${fmtMiB(s.rssBytes)} (${fmtMiB(s.hwmBytes)}) | reported | |`);
    lines.push(`| event-loop lag, worst per 5 s scrape: median / max | ${fmtMs(s.eventLoopLagMs.median)} / ${fmtMs(s.eventLoopLagMs.max)} | | |`);
    const p = s.probeLatenessMs;
    lines.push(`| HTTP probe lateness seen by the sink p50 / p99 / max (${p.samples} gaps) | ${fmtMs(p.p50)} / ${fmtMs(p.p99)} / ${fmtMs(p.max)} | p99 < ${lateGoal} ms | ${verdict(p.p99 !== undefined ? p.p99 < lateGoal : undefined)} |`);
    const d = s.daemonLatenessMs;
    if (d) lines.push(`| tick lateness recorded by the daemon's scheduler (${d.ticks} ticks): mean / p50 ≤ / p99 ≤ | ${fmtMs(d.meanMs)} / ${fmtMs(d.p50AtMostMs)} / ${fmtMs(d.p99AtMostMs)} | p99 < ${lateGoal} ms | ${verdict(d.p99AtMostMs !== undefined ? d.p99AtMostMs < lateGoal : undefined)} |`);
    lines.push(`| probe ticks skipped | ${p.skipped} | 0 | ${verdict(p.skipped === 0)} |`);
    if (s.listenOverflows != null) lines.push(`| connections the kernel dropped at a full listen queue (machine-wide; each costs its client a 1 s SYN retry) | ${s.listenOverflows} | reported | |`);
    lines.push(`| all services healthy after start | ${s.readySeconds.toFixed(1)} s | | |`, '');
  }
  const notes = r.notes ?? [];
  if (notes.length) lines.push('Notes:', '', ...notes.map((n) => `- ${n}`), '');
  if (r.errors?.length) lines.push('Errors:', '', ...r.errors.map((e) => `- ${e}`), '');
  lines.push('Method: docs/benchmarks.md. Raw numbers: the JSON file beside this one.', '');
  return lines.join('\n');
}

export function writeResults(dir, r) {
  mkdirSync(dir, { recursive: true });
  const stamp = r.meta.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const md = buildMarkdown(r);
  const rows = buildRows(r).map(({ what, clawback, pm2 }) => ({ what, clawback, pm2 }));
  writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify({ ...r, summary: rows }, null, 2) + '\n');
  writeFileSync(path.join(dir, `${stamp}.md`), md);
  writeFileSync(path.join(dir, 'latest.md'), md);
  return { md, files: [path.join(dir, `${stamp}.json`), path.join(dir, `${stamp}.md`), path.join(dir, 'latest.md')] };
}
