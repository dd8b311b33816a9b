// Every command but the fast `status`: builds the command tree for the subcommand given and runs it
// (scripts/bundle-cli.mjs bundles it into dist/cli/bundle/).
import { fail } from './fail.js';
import { buildProgram, subcommandOf } from './program.js';
import { quietOnClosedOutput } from './closed-output.js';

export async function runCommandLine(argv: string[]): Promise<void> {
  const sub = subcommandOf(argv.slice(2));
  quietOnClosedOutput(sub);
  const program = await buildProgram(sub);
  // Not awaited: `run` never settles, and an unsettled top-level await would end the process with code 13.
  void program.parseAsync(argv).catch(fail);
}
