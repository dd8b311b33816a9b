#!/usr/bin/env node
// The `clawback` binary (package.json "bin"), in CommonJS: an ES entry costs ~10 ms of module-loader start before
// any work, and `clawback status` is the command typed most (issue 19). It answers the fast `status` from the CommonJS
// bundles scripts/bundle-cli.mjs builds and hands everything else to main.js (`node dist/cli/main.js` works the same).
type FastStatusModule = typeof import('./fast-status.js');
type FastStatus = import('./fast-status.js').FastStatus;
type StatusModule = typeof import('./status-fast.js');
type CodeCacheModule = typeof import('./code-cache.cjs');

function fastStatus(args: string[]): { fast: FastStatus; status: StatusModule } | undefined {
  try {
    const fast = (require('./fast-status.cjs') as FastStatusModule).parseFastStatus(args);
    if (!fast) return undefined;
    // The bundle with the code cache the build trained for it (code-cache.cts): compiled from source without one.
    const { loadWithCodeCache } = require('./code-cache.cjs') as CodeCacheModule;
    return { fast, status: loadWithCodeCache<StatusModule>(`${__dirname}/status-fast.bundle.cjs`, require).exports };
  } catch (err) {
    // Not bundled (rolldown was missing at build time): main.js runs the same code from the modules.
    const e = err as { code?: unknown; message?: unknown };
    if (e.code === 'MODULE_NOT_FOUND' && /fast-status\.cjs/.test(String(e.message))) return undefined;
    if (e.code === 'ENOENT' && /status-fast\.bundle\.cjs/.test(String(e.message))) return undefined;
    throw err;
  }
}

const found = fastStatus(process.argv.slice(2));
if (found) found.status.runFastStatus(found.fast);
else void import('./main.js');
