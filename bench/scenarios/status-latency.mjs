// Wall time of the status command a user types: `clawback status --json` against `pm2 jlist`.
import { runCommand } from '../lib/pm2-driver.mjs';

export async function statusLatency(sup, env) {
  const r = await runCommand(sup.statusCommand(), { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${sup.label} status exited ${r.code}: ${r.stderr.slice(-500)}`);
  JSON.parse(r.stdout.slice(r.stdout.search(/[[{]/)));
  return r.ms;
}
