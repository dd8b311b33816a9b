// Each guardian pass leaves its time and verdict in the state dir, so the daemon can say (status, /metrics) that the guardian stopped running.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../platform/atomic-write.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import { INSTALL_RECORD } from '../platform/install-record.js';
import { DEFAULT_GUARDIAN_INTERVAL_SEC } from '../platform/guardian-interval.js';

/** The last guardian pass: `{ at, outcome, pid }`, rewritten by each pass. */
export const GUARDIAN_PASS_FILE = 'guardian-pass.json';
/** Written by `clawback install` (removed by uninstall): a guardian runs every `intervalSec`. */
export const GUARDIAN_INSTALLED_FILE = 'guardian-installed.json';
/** A guardian whose last pass is older than this many of its intervals is said not to run. */
export const GUARDIAN_OVERDUE_INTERVALS = 3;

export interface GuardianPass {
  /** Epoch ms the pass ended. */
  at: number;
  /** Its outcome (GuardianOutcome). */
  outcome: string;
}

export interface GuardianPassView {
  /** A guardian is installed (`clawback install`): only then is a missing or old pass a problem. */
  installed: boolean;
  intervalSec: number;
  last: GuardianPass | null;
  /** Installed, and no pass for GUARDIAN_OVERDUE_INTERVALS intervals (none at all counts from the install). */
  overdue: boolean;
}

/** Records a pass (not fsynced: rewritten every minute, its loss costs one pass). Throws what the disk says. */
export async function writeGuardianPass(stateDir: string, pass: GuardianPass): Promise<void> {
  await writeFileAtomic(path.join(stateDir, GUARDIAN_PASS_FILE), JSON.stringify({ at: pass.at, outcome: pass.outcome }) + '\n', { mode: 0o600, durable: false });
}

export function writeGuardianInstalled(stateDir: string, info: { intervalSec: number; manager: string; at: number }): void {
  writeFileAtomicSync(path.join(stateDir, GUARDIAN_INSTALLED_FILE), JSON.stringify(info) + '\n', { mode: 0o600 });
}

export function removeGuardianInstalled(stateDir: string): void {
  rmSync(path.join(stateDir, GUARDIAN_INSTALLED_FILE), { force: true });
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readRegularFileSync(file, { maxBytes: 64 * 1024 }).toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What the daemon knows of its guardian, read from the state dir (small files, read per status or scrape). */
export function guardianPassView(stateDir: string, now: number): GuardianPassView {
  const inst = readJson(path.join(stateDir, GUARDIAN_INSTALLED_FILE));
  // An install made before this file existed: its record lists the guardian's timer or plist (a cron line is not a file).
  const legacy = !inst && Object.keys((readJson(path.join(stateDir, INSTALL_RECORD))?.files as Record<string, unknown> | undefined) ?? {}).some((f) => /guardian/.test(path.basename(f)));
  const installed = inst !== undefined || legacy;
  const intervalSec = finite(inst?.intervalSec) ?? DEFAULT_GUARDIAN_INTERVAL_SEC;
  const raw = readJson(path.join(stateDir, GUARDIAN_PASS_FILE));
  const at = finite(raw?.at);
  const last = at !== undefined ? { at, outcome: typeof raw?.outcome === 'string' ? raw.outcome.slice(0, 40) : 'unknown' } : null;
  const since = last?.at ?? finite(inst?.at);
  const overdue = installed && since !== undefined && now - since > GUARDIAN_OVERDUE_INTERVALS * intervalSec * 1000;
  return { installed, intervalSec, last, overdue };
}

/** Prometheus text: when the guardian last ran, its verdict, whether one is installed and how often it runs. */
export function renderGuardianPassGauges(view: GuardianPassView): string {
  const lines = [
    '# HELP clawback_guardian_installed 1 when `clawback install` installed a guardian (timer, LaunchAgent or cron line) for this state dir.',
    '# TYPE clawback_guardian_installed gauge',
    `clawback_guardian_installed ${view.installed ? 1 : 0}`,
    '# HELP clawback_guardian_interval_seconds How often the installed guardian runs.',
    '# TYPE clawback_guardian_interval_seconds gauge',
    `clawback_guardian_interval_seconds ${view.intervalSec}`,
  ];
  // Always there (0: no pass yet), so a rule sees an installed guardian that never ran.
  lines.push(
    '# HELP clawback_guardian_last_pass_timestamp_seconds When the last guardian pass ended, since the Unix epoch (0: none yet).',
    '# TYPE clawback_guardian_last_pass_timestamp_seconds gauge',
    `clawback_guardian_last_pass_timestamp_seconds ${view.last ? (view.last.at / 1000).toFixed(3) : 0}`,
  );
  if (view.last) {
    lines.push(
      '# HELP clawback_guardian_last_pass_outcome 1 for the outcome of the last guardian pass (ok, revived, daemon-down, ...).',
      '# TYPE clawback_guardian_last_pass_outcome gauge',
      `clawback_guardian_last_pass_outcome{outcome="${view.last.outcome.replace(/[^a-z0-9-]/gi, '_')}"} 1`,
    );
  }
  return lines.join('\n') + '\n';
}
