// `clawback update NAME [VERSION]`: the running daemon installs the version beside the current one, switches, watches and rolls back.
import os from 'node:os';
import type { Command } from 'commander';
import { connect } from './client.js';
import { terminalSafe } from './terminal-safe.js';
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
    .option('--force', 'update a service that is held (crash-loop breaker open, waiting for `clawback resume`): the update starts it')
    .action(async (name: string, version: string | undefined, opts: { dryRun?: boolean; wait: boolean; force?: boolean }) => {
      const client = await connect(program.opts());
      const q = new URLSearchParams({ by: who() });
      if (version) q.set('version', version);
      if (opts.dryRun) q.set('dryRun', '1');
      if (opts.force) q.set('force', '1');
      const path = `/api/update/${encodeURIComponent(name)}`;
      const r = await client.post<{ ok: boolean; message?: string; error?: string; runId?: string }>(`${path}?${q}`);
      if (r.status >= 400) {
        process.stderr.write(`clawback: ${terminalSafe(r.body.message ?? r.body.error ?? `HTTP ${r.status}`)}\n`);
        process.exit(r.status === 404 ? 4 : 1);
      }
      process.stdout.write(`${terminalSafe(String(r.body.message))}\n`);
      if (opts.dryRun || !opts.wait) return;
      let shown = 0;
      // Ctrl-C ends the following, not the update: without a word, a person took the update for cancelled.
      const leave = (): void => {
        process.stderr.write(`\nclawback: stopped following; the update of ${terminalSafe(name)} (run ${terminalSafe(String(r.body.runId))}) carries on in the daemon: follow it with \`clawback status\` or the journal\n`);
        process.exit(130);
      };
      process.once('SIGINT', leave);
      process.once('SIGTERM', leave);
      // Monotonic: on the wall clock a step forward (NTP, date -s) ended the wait at once with exit 1, a step back stretched it.
      const until = performance.now() + FOLLOW_MAX_MS;
      for (;;) {
        const view = await client.get<UpdateRunView>(path);
        if (view.runId === r.body.runId) {
          for (const s of view.steps.slice(shown)) process.stdout.write(`  ${s.ok ? 'ok ' : 'FAIL'} ${s.step} (${(s.ms / 1000).toFixed(1)} s): ${s.message.replace(/^[^:]+: update [a-z-]+: /, '')}\n`);
          shown = view.steps.length;
          if (!view.running) {
            const rep = view.report;
            process.stdout.write(`${rep ? `${rep.outcome}: ${rep.message} (${(rep.totalMs / 1000).toFixed(1)} s)` : 'the update ended without a report (see the journal)'}\n`);
            process.exit(rep?.outcome === 'succeeded' ? 0 : 1);
          }
        }
        if (performance.now() > until) {
          process.stderr.write(`clawback: still running after ${FOLLOW_MAX_MS / 60_000} min; follow it with \`clawback status\`\n`);
          process.exit(1);
        }
        await new Promise((res) => setTimeout(res, POLL_MS));
      }
    });
}
