// The entry of `clawback status` without commander; scripts/bundle-cli.mjs makes it one file
// (dist/cli/status-fast.bundle.cjs) so the command loads one module instead of a dozen (issue 19).
import { runStatus } from './cmd-status.js';
import { fail } from './fail.js';
import type { FastStatus } from './fast-status.js';

/** The same `runStatus()` commander's `status` runs, with the same exit codes. */
export function runFastStatus(fast: FastStatus): void {
  void runStatus(fast, fast.json).catch(fail);
}
