// Which etcd cluster each endpoint answers for: a list that mixed two clusters (a deploy typo) split the election, and both members ran the singleton.
import type { Etcd3 } from 'etcd3';
import type { Clock } from '../platform/clock.js';

export interface EndpointIdentity {
  endpoint: string;
  /** etcd's cluster id (from the status call's header); null when the endpoint did not answer. */
  clusterId: string | null;
  /** The member names of that cluster, as it lists them (empty when it did not answer). */
  members: string[];
}

/** Asks every endpoint, in parallel, which cluster it belongs to; each call is bounded by `timeoutMs`. */
export async function askEndpoints(targets: Array<{ endpoint: string; client: Etcd3 }>, timeoutMs: number, clock: Clock): Promise<EndpointIdentity[]> {
  return Promise.all(
    targets.map(
      ({ endpoint, client }) =>
        new Promise<EndpointIdentity>((resolve) => {
          const silent: EndpointIdentity = { endpoint, clusterId: null, members: [] };
          const timer = clock.setTimeout(() => resolve(silent), timeoutMs);
          (async (): Promise<EndpointIdentity> => {
            const status = await client.maintenance.status();
            const list = await client.cluster.memberList({}).catch(() => null);
            return { endpoint, clusterId: String(status.header.cluster_id), members: (list?.members ?? []).map((m) => m.name || m.ID) };
          })()
            .catch(() => silent)
            .then((answer) => {
              timer.cancel();
              resolve(answer);
            });
        }),
    ),
  );
}

/**
 * Pure: null when every endpoint that answered belongs to one etcd cluster (`known`, when given, is the cluster this
 * member already uses); otherwise the refusal, naming cluster.endpoints, each endpoint's cluster and what was expected.
 */
export function mixedClusters(answers: EndpointIdentity[], known: string | null = null): string | null {
  const ids = new Set(answers.flatMap((a) => (a.clusterId === null ? [] : [a.clusterId])));
  if (known !== null) ids.add(known);
  if (ids.size <= 1) return null;
  const which = answers
    .filter((a) => a.clusterId !== null)
    .map((a) => `${a.endpoint} is cluster ${a.clusterId}${a.members.length ? ` (members ${a.members.join(', ')})` : ''}`)
    .join('; ');
  return `cluster.endpoints: the endpoints belong to ${ids.size} different etcd clusters (${which}${known !== null && !answers.some((a) => a.clusterId === known) ? `; this member's lease is in cluster ${known}` : ''}); expected the client URLs of the members of one etcd cluster. Refusing to take part in elections: on a mixed list two members can each win on their own cluster and run a singleton at once`;
}
