// Channel names differing only in case ("Ops", "ops") shared one outbox folder on a case-insensitive disk (macOS): their
// alerts and bookkeeping mixed. Each capital is written as "+" and the small letter, a character no channel name holds.

/** The outbox folder of a channel: its name when it has no capitals (unchanged from older versions), else encoded. */
export function folderOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `+${c.toLowerCase()}`);
}

/** The channel a folder belongs to; one with capitals was written by an older version under the name itself. */
export function nameOfFolder(dir: string): string {
  return /[A-Z]/.test(dir) ? dir : dir.replace(/\+([a-z])/g, (_, c: string) => c.toUpperCase());
}
