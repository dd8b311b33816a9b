// The command probe: any user check as argv; exit 0 is healthy.
import { systemClock } from '../platform/clock.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeDeps, ProbeResult, ProbeTarget } from './probe-types.js';
import { runCommand } from './run-command.js';

const OUTPUT_TAIL = 500;

export function createCommandProbe(config: ProbeConfigOf<'command'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();
  return {
    kind: 'command',
    async check(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
      const pid = target.pid === undefined ? '' : String(target.pid);
      const argv = config.command.map((a) => a.split('{pid}').join(pid));
      const started = clock.monotonic();
      const outcome = await runCommand(argv, { signal, cwd: config.cwd, env: config.env });
      const latencyMs = clock.monotonic() - started;
      if (outcome.kind === 'spawn-error') {
        return { status: 'unknown', message: `cannot run ${argv[0]}: ${outcome.code ?? outcome.message}`, latencyMs, details: { command: argv, code: outcome.code ?? null } };
      }
      if (outcome.kind === 'aborted') {
        if (!outcome.byTimeout) return { status: 'unknown', message: `${argv[0]} cancelled`, latencyMs };
        return {
          status: 'failure',
          finding: 'command-timeout',
          message: `${argv[0]} did not finish in ${Math.round(latencyMs)} ms`,
          latencyMs,
          details: { command: argv, output: tail(outcome.stdout, outcome.stderr) },
        };
      }
      const output = tail(outcome.stdout, outcome.stderr);
      if (outcome.code === 0) return { status: 'success', message: `${argv[0]} exited 0`, latencyMs, value: 0, details: { output } };
      return {
        status: 'failure',
        finding: 'command-failed',
        message: `${argv[0]} ${outcome.code === null ? `was killed by ${outcome.signal}` : `exited ${outcome.code}`}${output ? `: ${output}` : ''}`,
        latencyMs,
        ...(outcome.code === null ? {} : { value: outcome.code }),
        details: { command: argv, exitCode: outcome.code, signal: outcome.signal, output },
      };
    },
  };
}

function tail(stdout: string, stderr: string): string {
  return (stderr.trim() || stdout.trim()).slice(-OUTPUT_TAIL);
}
