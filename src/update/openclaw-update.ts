// What the OpenClaw preset needs for updates and locks: the gateway's lock files, state databases, and a versioned command.
import path from 'node:path';

/** The gateway's state and config locks (docs/gateway/gateway-lock.md): `$OPENCLAW_STATE_DIR/tmp/openclaw-<uid>/gateway.*.lock`. */
export function openclawLockGlobs(stateDir: string): string[] {
  return [path.join(stateDir, 'tmp', 'openclaw-*', 'gateway.*.lock')];
}

/** The gateway's SQLite databases (with their -wal/-shm files): the shared state and each agent's (sessions, auth profiles). */
export function openclawStateFiles(stateDir: string): string[] {
  return [path.join(stateDir, 'state', 'openclaw.sqlite*'), path.join(stateDir, 'agents', '*', 'agent', 'openclaw-agent.sqlite*')];
}

/** argv that runs the openclaw CLI of the active version: node + <versions>/current/node_modules/openclaw/openclaw.mjs. */
export function openclawVersionedArgv(node: string, versionsDir: string): string[] {
  return [node, path.join(versionsDir, 'current', 'node_modules', 'openclaw', 'openclaw.mjs')];
}

/** The service's `update` key for the gateway: openclaw from npm, installed with `node` first on PATH (its preinstall needs Node >= 24.16). */
export function openclawUpdateSettings(opts: { versionsDir: string; stateDir: string; node: string }): Record<string, unknown> {
  return {
    package: 'openclaw',
    dir: opts.versionsDir,
    pathPrefix: [path.dirname(opts.node)],
    stateFiles: openclawStateFiles(opts.stateDir),
    // A start takes 11-80 s here; readiness (/readyz) comes a few seconds after /healthz.
    watch: '240s',
    settle: '15s',
  };
}
