// The entry of `clawback status` without commander; scripts/bundle-cli.mjs makes it one file
// (dist/cli/status-fast.bundle.cjs) so the command loads one module instead of a dozen (issue 19).
import { runStatus } from './cmd-status.js';
import { fail } from './fail.js';
import type { FastStatus } from './fast-status.js';

// The build's code-cache training (scripts/train-status-cache.mjs) runs it once as JSON and once as the table.
export { runStatus };

/**
 * The same `runStatus()` commander's `status` runs, with the same exit codes. Once the output is flushed it
 * exits at once: the normal end of a Node process tears the whole heap down page by page first (~5 ms here).
 */
export function runFastStatus(fast: FastStatus): void {
  runStatus(fast, fast.json).then(() => process.stdout.write('', () => process.exit()), fail);
}
