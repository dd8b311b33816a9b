// Renders a drill report for people: a terminal table and a Markdown file (the JSON is the DrillReport itself).
import { nothingDrilled, type DrillReport, type ScenarioSummary, type TrialResult } from './drill-result.js';
import { formatTtr } from '../observe/time-to-recover.js';

/** Times in drill reports, printed as the CLI, the digest and the dashboard print time to recover (one format). */
export function formatMs(ms: number | null): string {
  return ms === null ? '-' : formatTtr(ms);
}

function rate(s: ScenarioSummary): string {
  if (s.recoveryRate === null) return 'n/a';
  return `${s.recovered}/${s.trials - s.skipped} (${Math.round(s.recoveryRate * 100)}%)`;
}

function level(l: number | null): string {
  return l === null ? '-' : String(l);
}

function verdict(t: TrialResult): string {
  if (t.skipped !== null) return 'skipped';
  if (t.interrupted) return 'INTERRUPTED';
  return t.asExpected ? 'yes' : 'NO';
}

/**
 * The progress line of a trial: "ok: ...", "FAILED: ...", or, for a trial Ctrl-C/SIGTERM or a person cut short,
 * "INTERRUPTED: ..." as the run's summary says (it read "FAILED: interrupted: ..." under an INTERRUPTED run). Pure.
 */
export function trialLine(t: TrialResult): string {
  if (t.interrupted) return `INTERRUPTED: ${t.outcome.replace(/^interrupted: /, '')}`;
  return `${t.asExpected ? 'ok' : 'FAILED'}: ${t.outcome}`;
}

/** Which instant the TTR figures are measured from, and the recovered trials timed from another, left out. */
function fromNote(s: DrillReport['summaries'][number]): string {
  const from = s.recoverFrom === 'release' ? ' (from release)' : s.recoverFrom === 'return' ? ' (from its return)' : '';
  return `${from}${s.recoverOtherFrom > 0 ? ` (${s.recoverOtherFrom} timed from another instant not counted)` : ''}`;
}

function summaryRows(r: DrillReport): string[][] {
  return r.summaries.map((s) => [
    s.scenario,
    String(s.trials),
    rate(s),
    `${formatMs(s.medianRecoverMs)}${fromNote(s)}`,
    formatMs(s.p95RecoverMs),
    formatMs(s.medianDetectMs),
    level(s.maxLevel),
    s.skipped === s.trials ? 'skipped' : `${s.asExpected}/${s.trials - s.skipped}`,
  ]);
}

const SUMMARY_HEAD = ['scenario', 'trials', 'recovered', 'median TTR', 'p95 TTR', 'median detect', 'max level', 'as expected'];
const TRIAL_HEAD = ['scenario', '#', 'as expected', 'detect', 'recover', 'level', 'alerts', 'outcome'];

function trialRows(r: DrillReport): string[][] {
  return r.trials.map((t) => [
    t.scenario,
    String(t.trial),
    verdict(t),
    formatMs(t.detectMs),
    t.recoverMs === null ? '-' : `${formatMs(t.recoverMs)}${t.recoverFrom === 'release' ? ' (from release)' : t.recoverFrom === 'return' ? ' (from its return)' : ''}`,
    level(t.level),
    t.notificationsDelivered === null ? String(t.alerts) : `${t.alerts} (${t.notificationsDelivered} sent)`,
    t.skipped ?? t.outcome,
  ]);
}

function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** The terminal view: summary, then one row per trial. */
export function renderTerminal(r: DrillReport): string {
  const out = [
    `drill of ${r.service}: ${r.stoppedEarly ? 'INTERRUPTED' : nothingDrilled(r.trials) ? 'NOTHING DRILLED (no chosen scenario applies)' : r.passed ? 'PASSED' : 'FAILED'} (${r.trials.length} trial(s) in ${formatMs(r.finishedAt - r.startedAt)})`,
    '',
    textTable(SUMMARY_HEAD, summaryRows(r)),
    '',
    textTable(TRIAL_HEAD, trialRows(r)),
  ];
  if (r.notes.length) out.push('', ...r.notes.map((n) => `note: ${n}`));
  return out.join('\n') + '\n';
}

/** The Markdown report written to <stateDir>/drills/drill-<ISO>.md (or --report). */
export function renderMarkdown(r: DrillReport): string {
  const notes = r.trials.filter((t) => t.notes.length > 0);
  const parts = [
    `# Clawback drill report: ${r.service}`,
    '',
    `- command: \`${r.command}\``,
    `- result: **${r.stoppedEarly ? 'INTERRUPTED' : nothingDrilled(r.trials) ? 'NOTHING DRILLED (no chosen scenario applies)' : r.passed ? 'passed' : 'FAILED'}**, ${r.trials.length} trial(s), ${r.trialsPerScenario} per scenario, ${formatMs(r.finishedAt - r.startedAt)} in all`,
    `- when: ${new Date(r.startedAt).toISOString()}`,
    `- clawback ${r.clawbackVersion}, Node ${r.host.node}, ${r.host.platform}/${r.host.arch}, ${r.host.cpus} CPU(s)`,
    `- config: ${r.configFile ?? '(embedded demo)'}; state dir: ${r.stateDir}`,
    '',
    '## Summary',
    '',
    mdTable(SUMMARY_HEAD, summaryRows(r)),
    '',
    'TTR (time to recover): fault injected -> the service\'s health URL answers 200 again from a new instance, polled every 50 ms ' +
      '(port-steal, crash-loop and a crash-storm that tripped the breaker: from the release of the deliberate hold; daemon-kill: the daemon back with the service never down). ' +
      'Detect: fault -> first journal event about it. Level: highest ladder level of the trial\'s incidents (0 keep-alive, 1 watchdog, 2 doctor, 3 AI, 4 human).',
    '',
    '## Trials',
    '',
    mdTable(TRIAL_HEAD, trialRows(r)),
  ];
  if (notes.length) {
    parts.push('', '## Trial notes', '');
    for (const t of notes) parts.push(`- ${t.scenario} #${t.trial}: ${t.notes.map(escapeCell).join('; ')}`);
  }
  if (r.notes.length) {
    parts.push('', '## Afterwards', '');
    for (const n of r.notes) parts.push(`- ${n}`);
  }
  return parts.join('\n') + '\n';
}
