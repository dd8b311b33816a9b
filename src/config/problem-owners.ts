// Which service, probe or notify channel a config problem is about, by name: `services[37].probes[1].url` alone sent
// a user with 40 services counting list items to find the one meant.
import type { ConfigProblem } from './errors.js';

export interface ProblemOwner {
  service?: string;
  probe?: string;
  channel?: string;
}

/** A name worth printing: the shape service, probe and channel names have (a long or odd value is the problem itself). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const OWNED = /^(?:services\[(\d+)\](?:\.probes\[(\d+)\])?|notify\.channels\[(\d+)\])(?=$|[.[:])/;

function at(value: unknown, key: string | number): unknown {
  return value && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
}

function nameOf(item: unknown, fallbackKey: string): string | undefined {
  const name = at(item, 'name');
  if (typeof name === 'string' && NAME.test(name)) return name;
  const kind = at(item, fallbackKey);
  return typeof kind === 'string' && NAME.test(kind) ? `${kind}` : undefined;
}

/** The named owners of a path (`services[3].probes[0].url`) in the parsed file; undefined when it has none. */
export function ownerOf(raw: unknown, path: string): ProblemOwner | undefined {
  const m = OWNED.exec(path);
  if (!m) return undefined;
  const owner: ProblemOwner = {};
  if (m[1] !== undefined) {
    const service = at(at(raw, 'services'), Number(m[1]));
    const name = at(service, 'name');
    if (typeof name === 'string' && NAME.test(name)) owner.service = name;
    if (m[2] !== undefined) {
      const probe = nameOf(at(at(service, 'probes'), Number(m[2])), 'kind');
      if (probe) owner.probe = probe;
    }
  } else {
    const channel = nameOf(at(at(at(raw, 'notify'), 'channels'), Number(m[3])), 'type');
    if (channel) owner.channel = channel;
  }
  return Object.keys(owner).length > 0 ? owner : undefined;
}

/** `service "web", probe "health"`: said before the field's path. */
export function ownerText(owner: ProblemOwner): string {
  const parts: string[] = [];
  if (owner.service) parts.push(`service "${owner.service}"`);
  if (owner.probe) parts.push(`probe "${owner.probe}"`);
  if (owner.channel) parts.push(`channel "${owner.channel}"`);
  return parts.join(', ');
}

/** Each problem with the names of what its field belongs to (problems already named, or about the file, as they are). */
export function withOwners(raw: unknown, problems: readonly ConfigProblem[]): ConfigProblem[] {
  return problems.map((p) => {
    if (p.owner) return p;
    const owner = ownerOf(raw, p.path);
    return owner ? { ...p, owner } : p;
  });
}

/** A warning that starts with a field's path, its owners' names put before it. */
export function namedWarning(raw: unknown, warning: string): string {
  const owner = ownerOf(raw, warning);
  return owner ? `${ownerText(owner)}: ${warning}` : warning;
}
