// One way to put a time into a file name (evidence copies, backups, drill reports): ISO 8601 with ':' and '.' as '-',
// so the names sort by time and are valid on every file system.

/** `2026-12-07T13:50:00.123Z` -> `2026-12-07T13-50-00-123Z`. */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}
