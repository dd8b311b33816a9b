// What the owner-keeping tests compare of a file (owner, mode, inode, names), and the service user they give it to.
import { promises as fs } from 'node:fs';

/** The service's user and group: no account is needed for a numeric owner (these tests run as root, like the daemon). */
export const SERVICE_OWNER = { uid: 4242, gid: 4243 };

export async function fileMeta(file: string): Promise<{ uid: number; gid: number; mode: number; ino: number; nlink: number }> {
  const st = await fs.stat(file);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o777, ino: st.ino, nlink: st.nlink };
}
