// How a chaos run is told: the Markdown report (summary, per kind, per fault) and the live progress line.
import type { ChaosReport } from './chaos-result.js';
import { formatMs } from './drill-report.js';

export function pct(rate: number | null, digits = 3): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(digits)} %`;
}

function mib(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1048576).toFixed(1)} MiB`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** One live line: elapsed / planned, faults so far (and the one in flight), availability so far, up or down now. */
/**
 * How far apart the live line is printed when stderr is no terminal (a log, a pipe): a tenth of the planned run, 1-30 s.
 * A fixed 30 s printed one line ("0:01 / 0:20") in a 20 s run. Pure.
 */
export function progressPaceMs(plannedMs: number): number {
  return Math.min(30_000, Math.max(1000, Math.round(plannedMs / 10)));
}

export function progressLine(p: { elapsedMs: number; plannedMs: number; faults: number; inFlight: string | null; availability: number | null; down: boolean }): string {
  return `chaos ${formatDuration(p.elapsedMs)} / ${formatDuration(p.plannedMs)} | faults ${p.faults}${p.inFlight ? ` (now: ${p.inFlight})` : ''} | availability ${pct(p.availability)} | ${p.down ? 'DOWN' : 'up'}`;
}

/** Availability if the down time inside faults that needed a human (by design: port theft, crash loop) is left out. */
export function availabilityWithoutHuman(r: ChaosReport): number | null {
  const { first, last } = r.poll;
  if (first === null || last === null || last <= first) return null;
  const humanDown = r.faults.filter((f) => f.neededHuman).reduce((sum, f) => sum + f.downMs, 0);
  return Math.max(0, 1 - (r.downtimeMs - humanDown) / (last - first - humanDown));
}

/** The headline numbers as Markdown table rows (also used by the README). */
export function summaryRows(r: ChaosReport): string[][] {
  const human = r.faults.filter((f) => f.neededHuman).length;
  const humanDown = r.faults.filter((f) => f.neededHuman).reduce((sum, f) => sum + f.downMs, 0);
  return [
    ['duration', `${formatDuration(r.finishedAt - r.startedAt)} (planned ${formatDuration(r.plannedDurationMs)})${r.stoppedEarly ? `, stopped early: ${r.stoppedEarly}` : ''}`],
    ['availability (outside poll)', `${pct(r.availability)} (down ${formatMs(r.downtimeMs)} in ${r.outages.length} outage(s); ${r.poll.polls} polls every ${r.poll.intervalMs} ms, ${r.poll.failed} failed)`],
    ['availability without the faults that needed a human', `${pct(availabilityWithoutHuman(r))} (those faults: ${formatMs(humanDown)} down)`],
    ['down time with no fault in flight', formatMs(r.unexplainedDowntimeMs)],
    ['faults injected', `${r.faults.length} (${r.byKind.map((k) => `${k.kind} ${k.injected}`).join(', ') || 'none'})`],
    ['recovered without a human', `${pct(r.recoveredWithoutHuman, 1)} (${r.faults.length - human}/${r.faults.length}; ${human} needed a human)`],
    ['false restarts (no fault in flight)', `${r.falseRestarts.length} of ${r.restarts} restarts`],
    ['alerts per incident', `${r.alertsPerIncident.mean === null ? '-' : r.alertsPerIncident.mean.toFixed(1)} mean, ${r.alertsPerIncident.max ?? '-'} max (${r.alerts} alerts, ${r.incidents} incidents)`],
    ['daemon CPU', `${r.daemon.cpuAvgPct === null ? '-' : r.daemon.cpuAvgPct.toFixed(2)} % avg, ${r.daemon.cpuMaxPct === null ? '-' : r.daemon.cpuMaxPct.toFixed(1)} % max of one core (${r.daemon.samples.length} samples)`],
    ['daemon RSS', `${mib(r.daemon.rssAvgBytes)} avg, ${mib(r.daemon.rssMaxBytes)} max`],
  ];
}

function table(head: string[], rows: string[][]): string[] {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

export function renderChaosMarkdown(r: ChaosReport, svgName?: string): string {
  const lines: string[] = [
    `# Chaos drill: ${r.service}`,
    '',
    `\`${r.command}\` — ${new Date(r.startedAt).toISOString()} to ${new Date(r.finishedAt).toISOString()}, seed ${r.seed}, mean interval ${formatMs(r.meanIntervalMs)}, clawback ${r.clawbackVersion}, ${r.host.platform}/${r.host.arch}, node ${r.host.node}, ${r.host.cpus} CPU(s). Outside poll: ${r.poll.target}.`,
    '',
    ...table(['measure', 'value'], summaryRows(r)),
    '',
  ];
  if (svgName) lines.push(`![timeline](${svgName})`, '');
  lines.push('## By kind', '');
  lines.push(
    ...table(
      ['kind', 'injected', 'recovered alone', 'needed a human', 'MTTR median', 'MTTR p95', 'MTTR max', 'highest level'],
      r.byKind.map((k) => [k.kind, String(k.injected), String(k.recoveredAlone), String(k.neededHuman), formatMs(k.mttr.median), formatMs(k.mttr.p95), formatMs(k.mttr.max), k.maxLevel === null ? '-' : String(k.maxLevel)]),
    ),
    '',
    'MTTR is measured from outside: fault injected -> the first good poll after the last failed one (0 when no poll failed). For faults that needed a human it includes the wait for the human (the drill plays the human: it releases the hold and runs `resume`).',
    '',
    '## Faults',
    '',
  );
  lines.push(
    ...table(
      ['#', 'at', 'kind', 'level', 'human?', 'down', 'TTR (outside)', 'alerts', 'outcome'],
      r.faults.map((f) => [
        String(f.n),
        `+${formatDuration(f.injectedAt - r.startedAt)}${f.injectedAt - f.scheduledAt > 1000 ? ` (due +${formatDuration(f.scheduledAt - r.startedAt)})` : ''}`,
        f.kind,
        f.level === null ? '-' : String(f.level),
        f.neededHuman ? 'yes' : 'no',
        formatMs(f.downMs),
        formatMs(f.ttrMs),
        String(f.alerts),
        f.outcome,
      ]),
    ),
    '',
  );
  if (r.falseRestarts.length) {
    lines.push('## False restarts', '', ...r.falseRestarts.map((m) => `- +${formatDuration(m.at - r.startedAt)}: ${m.message}`), '');
  }
  if (r.notes.length) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
