// Where an argv's command would be found (PATH search, as execvp does), for the preflight and the doctor's command runner.
import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return false;
    await fs.access(file, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path the command would run, or undefined when it cannot be found. */
export async function resolveCommand(cmd: string, env: Record<string, string>, cwd: string): Promise<string | undefined> {
  if (cmd.includes('/')) {
    const abs = path.resolve(cwd, cmd);
    return (await isExecutableFile(abs)) ? abs : undefined;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(cwd, dir, cmd);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
