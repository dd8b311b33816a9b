// How one instance of a scaled service is named: `NAME:i` (a colon never appears in a configured name).
export const INSTANCE_SEPARATOR = ':';

export function instanceName(group: string, instance: number): string {
  return `${group}${INSTANCE_SEPARATOR}${instance}`;
}

/** `web:2` -> { group: 'web', instance: 2 }; a plain name -> null. */
export function parseInstanceName(name: string): { group: string; instance: number } | null {
  const m = /^(.+):(\d+)$/.exec(name);
  return m ? { group: m[1]!, instance: Number(m[2]) } : null;
}

/** The runtime names that `name` stands for: itself, or every instance of the group `name`, in instance order. */
export function namesFor(name: string, known: Iterable<string>): string[] {
  const all = [...known];
  if (all.includes(name)) return [name];
  return all
    .map((n) => ({ n, p: parseInstanceName(n) }))
    .filter((x) => x.p?.group === name)
    .sort((a, b) => a.p!.instance - b.p!.instance)
    .map((x) => x.n);
}

/**
 * The answer to a NAME that names no service: the names that do, and, when NAME is a scaled group taken only as a
 * whole elsewhere, its instances and how to name one (`use`, e.g. "name one instance, e.g. clawback logs web:0").
 */
export function unknownServiceText(name: string, known: Iterable<string>, use?: (instances: string[]) => string): string {
  const all = [...known];
  const instances = all.includes(name) ? [] : namesFor(name, all);
  if (instances.length > 0 && use) return `"${name}" is a scaled service: it runs as ${instances.join(', ')}; ${use(instances)}`;
  return `no service named "${name}" (known: ${all.join(', ') || 'none'})`;
}
