// Processes an exited instance left outside its process group (a classic daemon that forked into its own session and exited): found by the markers every child inherits.
import { commandLine, environOf, pidsWithEnv, readProcStat } from '../platform/proc.js';
import type { KnownProcess } from '../platform/escaped-descendants.js';
import { OWN_HELPERS, hasAncestorIn } from './unrecorded-instances.js';

/**
 * Live processes marked as this service's (CLAWBACK_SERVICE, CLAWBACK_SUPERVISED_BY) that are neither the daemon's own
 * descendants (its log redactor, probes, doctor and agent runs) nor its helpers: with no instance running, they are what
 * an instance left behind. Linux /proc only (none elsewhere); each with its start time, so a reused pid is never hit.
 */
export function strayProcesses(env: Readonly<Record<string, string>>, selfPid = process.pid): KnownProcess[] {
  const service = env.CLAWBACK_SERVICE;
  const supervisedBy = env.CLAWBACK_SUPERVISED_BY;
  if (service === undefined || supervisedBy === undefined) return [];
  const out: KnownProcess[] = [];
  const self = new Set([selfPid]);
  for (const pid of pidsWithEnv('CLAWBACK_SUPERVISED_BY', supervisedBy, selfPid)) {
    if (environOf(pid, 'CLAWBACK_SERVICE') !== service) continue;
    const st = readProcStat(pid);
    if (!st || st.state === 'Z' || hasAncestorIn(pid, self)) continue;
    const cmd = commandLine(pid) ?? '';
    if (OWN_HELPERS.some((h) => cmd.includes(h))) continue;
    out.push({ pid, startTime: st.startTime });
  }
  return out;
}
