// `clawback update NAME [VERSION]`: the running daemon installs the version beside the current one, switches, watches and rolls back.
import os from 'node:os';
import type { Command } from 'commander';
import { connect } from './client.js';
import { terminalSafe } from './terminal-safe.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { exitWithError, wantsJson } from './json-error.js';
import type { UpdateRunView } from '../update/update-plugin.js';

/** Longest a CLI follows one run (an install can take 15 min, the watch and a rollback several more). */
const FOLLOW_MAX_MS = 45 * 60_000;
const POLL_MS = 1_000;

function who(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export function registerUpdate(program: Command): void {
  program
    .command('update <name> [version]')
    .description('update a service installed by version (the OpenClaw preset): install beside, validate, back up, switch, watch, roll back on failure')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--no-wait', 'start the update and return; follow it in `clawback status` or the journal')
    .option('--json', 'print one JSON object: the run as it ended, {"ok":true,"runId","steps","report",…} (with --dry-run or --no-wait: the daemon\'s answer)')
    .option('--force', 'update a service that is held (crash-loop breaker open, waiting for `clawback resume`): the update starts it')
    .action(async (name: string, version: string | undefined, opts: { dryRun?: boolean; wait: boolean; force?: boolean }) => {
      const client = await connect(program.opts());
      const q = new URLSearchParams({ by: who() });
      if (version) q.set('version', version);
      if (opts.dryRun) q.set('dryRun', '1');
      if (opts.force) q.set('force', '1');
      const path = `/api/update/${encodeURIComponent(name)}`;
      const r = await client.post<ChangeAnswer & { runId?: string }>(`${path}?${q}`);
      const json = wantsJson(process.argv.slice(2));
      // Under --json a followed run prints one object at its end, not the start's answer before it.
      if (r.status >= 400 || !json || opts.dryRun || !opts.wait) printChangeAnswer(r);
      if (opts.dryRun || !opts.wait) return;
      let shown = 0;
      // Ctrl-C ends the following, not the update: without a word, a person took the update for cancelled.
      const leave = (): void => {
        process.stderr.write('\n');
        exitWithError('error', `stopped following; the update of ${terminalSafe(name)} (run ${terminalSafe(String(r.body.runId))}) carries on in the daemon: follow it with \`clawback status\` or the journal`, 130);
      };
      process.once('SIGINT', leave);
      process.once('SIGTERM', leave);
      // Monotonic: on the wall clock a step forward (NTP, date -s) ended the wait at once with exit 1, a step back stretched it.
      const until = performance.now() + FOLLOW_MAX_MS;
      for (;;) {
        const view = await client.get<UpdateRunView>(path);
        if (view.runId === r.body.runId) {
          if (json && !view.running) {
            process.stdout.write(JSON.stringify({ ...view, ok: view.report?.outcome === 'succeeded' }) + '\n');
            process.exit(view.report?.outcome === 'succeeded' ? 0 : 1);
          }
          if (!json) for (const s of view.steps.slice(shown)) process.stdout.write(`  ${s.ok ? 'ok ' : 'FAIL'} ${s.step} (${(s.ms / 1000).toFixed(1)} s): ${s.message.replace(/^[^:]+: update [a-z-]+: /, '')}\n`);
          shown = view.steps.length;
          if (!view.running) {
            const rep = view.report;
            process.stdout.write(`${rep ? `${rep.outcome}: ${rep.message} (${(rep.totalMs / 1000).toFixed(1)} s)` : 'the update ended without a report (see the journal)'}\n`);
            process.exit(rep?.outcome === 'succeeded' ? 0 : 1);
          }
        }
        if (performance.now() > until) {
          exitWithError('error', `still running after ${FOLLOW_MAX_MS / 60_000} min; follow it with \`clawback status\``, 1);
        }
        await new Promise((res) => setTimeout(res, POLL_MS));
      }
    });
}
