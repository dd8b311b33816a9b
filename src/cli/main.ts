#!/usr/bin/env node
// The `clawback` command: one subcommand per file. Exit codes: 0 ok, 1 error, 2 invalid config, 3 daemon not reachable,
// 4 unknown service (README, "Commands").
import { createRequire } from 'node:module';
import { parseFastStatus } from './fast-status.js';

/** The status path as one bundled file (built by scripts/bundle-status.mjs); the module itself when it is missing. */
async function loadFastStatus(): Promise<typeof import('./status-fast.js')> {
  try {
    // require, not import(): an ES import of a CommonJS file starts the export lexer (~40 ms).
    return createRequire(import.meta.url)('./status-fast.bundle.cjs') as typeof import('./status-fast.js');
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes('status-fast.bundle.cjs')) throw err;
    return import('./status-fast.js');
  }
}

const args = process.argv.slice(2);
const fast = parseFastStatus(args);
if (fast) {
  // The same function commander's `status` runs, without loading commander and the command tree.
  (await loadFastStatus()).runFastStatus(fast);
} else {
  const [{ buildProgram, subcommandOf }, { fail }] = await Promise.all([import('./program.js'), import('./fail.js')]);
  const program = await buildProgram(subcommandOf(args));
  // Not awaited: `run` never settles, and an unsettled top-level await would end the process with code 13.
  void program.parseAsync(process.argv).catch(fail);
}
