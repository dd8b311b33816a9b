// Which packages an `npx ...` agent command needs: the launcher checks npx can find them here before it runs the agent.
import path from 'node:path';

/** What `npx` would look up: the command word (a bin or a package spec) and the packages named with -p/--package. */
export interface NpxNeeds {
  /** The first word after npx's own options (absent with -c/--call, which runs a shell line). */
  command?: string;
  /** The packages given with -p/--package (then the command is a bin of theirs). */
  packages: string[];
}

/** npx/npm exec options whose value is the next word (unless given as --name=value). */
const TAKES_VALUE = new Set(['-p', '--package', '-c', '--call', '--registry', '--cache', '--userconfig', '--prefix', '-w', '--workspace', '--loglevel']);

/** The packages of an argv whose program is npx (or `npm exec` / `npm x`); undefined for any other command. */
export function npxNeeds(argv: readonly unknown[]): NpxNeeds | undefined {
  const words: string[] = [];
  for (const a of argv) {
    if (typeof a !== 'string') break;
    words.push(a);
  }
  const prog = path.basename(words[0] ?? '');
  let i: number;
  if (prog === 'npx') i = 1;
  else if (prog === 'npm' && (words[1] === 'exec' || words[1] === 'x')) i = 2;
  else return undefined;
  const packages: string[] = [];
  let call = false;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w === '-') break;
    const eq = w.indexOf('=');
    const name = eq > 0 ? w.slice(0, eq) : w;
    let value: string | undefined = eq > 0 ? w.slice(eq + 1) : undefined;
    if (TAKES_VALUE.has(name) && value === undefined) value = words[++i];
    if (name === '-p' || name === '--package') {
      if (value !== undefined) packages.push(value);
    }
    if (name === '-c' || name === '--call') call = true;
  }
  const command = call ? undefined : words[i];
  if (command === undefined && packages.length === 0) return undefined;
  return { ...(command !== undefined ? { command } : {}), packages };
}
