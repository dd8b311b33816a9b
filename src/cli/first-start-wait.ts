// `clawback reload` and `scale` wait for the daemon's first start (they change the set of services it is booting):
// they waited ~35 s behind a service's preflight validator without a word; the person is told what they wait for.
import type { Client } from './client.js';

interface StartingStatus {
  daemon?: { starting?: boolean; now?: number };
  services?: Array<{ name: string; state?: string; preflight?: { step: string; since: number; budgetMs: number } }>;
}

/** The line said (on stderr) before a request that waits for the first start; undefined when the daemon is not starting. */
export async function firstStartWaitText(client: Client, what: string): Promise<string | undefined> {
  const st = await client.get<StartingStatus>('/api/status').catch(() => undefined);
  if (!st?.daemon?.starting) return undefined;
  const now = st.daemon.now ?? Date.now();
  const busy = (st.services ?? []).filter((s) => s.state === 'starting').map((s) => {
    const p = s.preflight;
    return p ? `${s.name}'s start (its preflight is ${p.step}, ${Math.max(0, Math.round((now - p.since) / 1000))} s of up to ${Math.round(p.budgetMs / 1000)} s)` : `${s.name}'s start`;
  });
  return `clawback: the daemon's first start is under way: the ${what} is carried out once it is done; waiting for ${busy.length > 0 ? busy.join(', ') : 'its services\' start'}`;
}
