// A NAME typed empty (`clawback stop "$SVC"` with SVC unset) reached the daemon as a path without a name ("not found",
// exit 4, no word of what was wrong), and `doctor ""` checked every service: refused here, naming what was expected.

/** The usage error for an empty or blank service NAME given to `command`, or undefined for a name. */
export function emptyServiceNameText(command: string, name: string): string | undefined {
  if (name.trim() !== '') return undefined;
  return `${command}: NAME is empty (got ${JSON.stringify(name)}); expected the name of a service (\`clawback status\` lists them)`;
}
