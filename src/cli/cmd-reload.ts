// `clawback reload` (the config file again, as SIGHUP) and `clawback reload NAME` (a rolling restart of its instances).
import type { Command } from 'commander';
import { parseRolloutTimeout } from '../instances/rollout-timeout.js';
import { connect } from './client.js';
import { firstStartWaitText } from './first-start-wait.js';
import { usageError } from './fail.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { who } from './cmd-scale.js';

export function registerReload(program: Command): void {
  program
    .command('reload [name]')
    .description('re-read the config file and apply the difference (invalid: nothing changes, exit 2); with NAME: restart its instances one at a time, each healthy before the next')
    .option('--timeout <duration>', 'with NAME: how long one instance may take to be healthy again before the rollout stops (default 60s)')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…",…}')
    .action(async (name: string | undefined, opts: { timeout?: string }) => {
      // Without NAME it was dropped without a word, and the whole config file was re-applied instead of a rollout.
      if (opts.timeout !== undefined && !name) usageError(`--timeout is for a rolling restart: clawback reload NAME --timeout ${opts.timeout}`);
      const parsed = opts.timeout !== undefined ? parseRolloutTimeout('--timeout', opts.timeout) : undefined;
      if (parsed && 'error' in parsed) usageError(parsed.error);
      const timeoutMs = parsed && 'ms' in parsed ? parsed.ms : undefined;
      const client = await connect(program.opts());
      const q = new URLSearchParams({ by: who() });
      if (opts.timeout) q.set('timeout', opts.timeout);
      const p = name ? `/api/services/${encodeURIComponent(name)}/reload?${q}` : `/api/reload?${q}`;
      const waiting = await firstStartWaitText(client, name ? `rolling restart of ${name}` : 'config reload');
      if (waiting) process.stderr.write(`${waiting}\n`);
      // A rollout waits for each instance in turn; a config reload stops and starts what changed.
      const r = await client.post<ChangeAnswer>(p, { timeoutMs: name ? 64 * ((timeoutMs ?? 60_000) + 30_000) : 300_000 });
      printChangeAnswer(r, { configReload: !name });
    });
}
