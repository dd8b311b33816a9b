// Whether the gateway will believe it runs in a container: there `gateway.bind: auto` means 0.0.0.0, not 127.0.0.1.
import { accessSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * openclaw 2026.9.6 detectContainerEnvironment: FLY_MACHINE_ID + FLY_APP_NAME, /.dockerenv, /run/.containerenv,
 * /var/run/.containerenv, or a container runtime in /proc/1/cgroup. `root` lets a test point it at a fake tree.
 */
export function isContainerEnvironment(env: NodeJS.ProcessEnv, root = '/'): boolean {
  if (env.FLY_MACHINE_ID?.trim() && env.FLY_APP_NAME?.trim()) return true;
  for (const f of ['.dockerenv', 'run/.containerenv', 'var/run/.containerenv']) {
    try {
      accessSync(path.join(root, f));
      return true;
    } catch {
      // not this marker
    }
  }
  try {
    return /\/docker\/|cri-containerd-[0-9a-f]|containerd\/[0-9a-f]{64}|\/kubepods[/.]|\blxc\b/.test(readFileSync(path.join(root, 'proc/1/cgroup'), 'utf8'));
  } catch {
    return false;
  }
}
