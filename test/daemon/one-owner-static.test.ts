// Issue 16's rule kept by the build: only the effect executor touches a service's processes; every other signal has a named reason.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Code (comments dropped) of every file under src/, by path relative to src/. */
const files = new Map(
  sources(SRC).map((f) => [
    path.relative(SRC, f).split(path.sep).join('/'),
    readFileSync(f, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, ''),
  ]),
);

/** The service's own process layer: spawning, adopting and killing an instance and its group. */
const SERVICE_PROCESS = /\b(spawnInstance|adoptInstance|killLeftovers)\s*\(/;
/** Any signal or kill of a process (by pid, by group, or through a child handle). */
const SIGNAL = /process\.kill\(|\bsignal(?:Child)?Group(?:Of)?\(|\bstopProcess\(|\bsignalKnown\(|\.kill\(\s*['"A-Z]/;

/** The executor and the process layer it drives, plus the guardian's last resort, which runs the reducer and carries out only its starts. */
const MAY_DRIVE_A_SERVICE = new Set(['daemon/service-runtime.ts', 'daemon/direct-revive.ts', 'supervisor/service-process.ts', 'supervisor/external-process.ts']);

/** Files that signal processes that are not a supervised instance, with why that is no decision about a service. */
const OTHER_PROCESSES: Record<string, string> = {
  'daemon/service-runtime.ts': 'the effect executor',
  'supervisor/service-process.ts': 'the process layer the executor drives',
  'supervisor/external-process.ts': 'the process layer for externally managed services (executor only)',
  'platform/signal-group.ts': 'primitive',
  'platform/escaped-descendants.ts': "primitive (a command runner's own descendants)",
  'platform/proc.ts': 'liveness checks (signal 0)',
  'platform/atomic-write.ts': 'liveness check (signal 0) of a temp file writer',
  'platform/command-runner.ts': 'commands Clawback runs (validators, hooks), ended at their timeout',
  'doctor/command-runner.ts': "the doctor's own commands, ended at their timeout",
  'doctor/stop-process.ts': 'used by the port-holder rule only (checked below)',
  'doctor/rule-port-holder.ts': 'a stale instance that is not the current one, inside a doctor run the reducer ordered',
  'probes/run-command.ts': 'command probes, ended at their timeout',
  'config/load-isolated.ts': 'its own config loader process, ended at its timeout',
  'emergency/tmux-session.ts': "the agent's own session",
  'emergency/pty-session.ts': "the agent's own session",
  'emergency/agent-leftovers.ts': "processes carrying the agent run's own mark",
  'emergency/cli-agent.ts': "the agent's own tmux pane group, at the end of its run",
  'daemon/guardian.ts': 'a hung daemon (same pid and start time as daemon.json), never a service',
  'daemon/pass-watchdog.ts': "the guardian pass's own watchdog: the pass that spawned it (still its parent), never a service",
  'cluster/fence-file.ts': 'its own fence guard process',
  'cluster/fence-guard.ts': "a separate process that kills a singleton's group only when the daemon stopped renewing its lease (the daemon cannot act then)",
  'drill/drill-context.ts': "`clawback drill`'s fault injection: the crash the reducer must then handle",
  'drill/daemon-ops.ts': "`clawback drill`: its own guardian child",
  'cli/run-config-check.ts': "a hint's own `clawback validate` child, ended at its timeout",
};

describe('only the effect executor touches a service (issue 16)', () => {
  it('spawnInstance, adoptInstance and killLeftovers are called only by the executor and the process layer', () => {
    const callers = [...files].filter(([, code]) => SERVICE_PROCESS.test(code)).map(([f]) => f);
    expect(callers.filter((f) => !MAY_DRIVE_A_SERVICE.has(f))).toEqual([]);
    expect(callers).toContain('daemon/service-runtime.ts');
  });

  it('every other file that signals a process is listed with the reason it is not a decision about a service', () => {
    const signalling = [...files].filter(([, code]) => SIGNAL.test(code)).map(([f]) => f);
    expect(signalling.filter((f) => !(f in OTHER_PROCESSES))).toEqual([]);
    // The list stays honest: an entry whose file no longer signals anything is removed.
    expect(Object.keys(OTHER_PROCESSES).filter((f) => !signalling.includes(f) && !SERVICE_PROCESS.test(files.get(f) ?? ''))).toEqual([]);
  });

  it('the doctor stops only stale instances, never the one the reducer runs', () => {
    const users = [...files].filter(([f, code]) => f !== 'doctor/stop-process.ts' && /\bstopProcess\b/.test(code)).map(([f]) => f);
    expect(users).toEqual(['doctor/rule-port-holder.ts']);
    const rule = files.get('doctor/rule-port-holder.ts')!;
    // Holders exclude the current instance (its process tree and the groups it leads) and the daemon's descendants before any fix.
    expect(rule).toMatch(/liveInstanceMember\(ctx\)/);
    expect(rule).toMatch(/isOwnInstance/);
  });

  it('everyone else asks the reducer: the API, chat, groups, predictor, update, rolling restarts and the agent go through request()', () => {
    const asks = ['daemon/daemon.ts', 'daemon/chat-wiring.ts', 'daemon/groups.ts', 'daemon/emergency-wiring.ts', 'update/update-plugin.ts', 'instances/rolling-restart.ts'];
    for (const f of asks) expect(files.get(f), f).toMatch(/\.(request|restart|start|stop|resume)\(\s*['"a-z]/);
    for (const f of asks) expect(SERVICE_PROCESS.test(files.get(f)!) || SIGNAL.test(files.get(f)!), f).toBe(false);
    // The predictor's proactive restart is an input to the reducer (which refuses it while held or repairing).
    expect(files.get('daemon/wiring.ts')).toMatch(/dispatch\(\{ type: 'request', action: 'restart', by: 'prediction' \}\)/);
    expect(SERVICE_PROCESS.test(files.get('daemon/prediction-wiring.ts')!) || SIGNAL.test(files.get('daemon/prediction-wiring.ts')!)).toBe(false);
  });
});
