import { type Stats, statSync } from 'node:fs';

/** A network namespace by path, with its inode at attach time (a recycled PID is never mistaken for it). */
export interface NetnsRef {
  path: string;
  ino?: number | undefined;
}

/** Record a netns by path and inode. */
export function netnsRef(path: string): NetnsRef {
  try {
    return { path, ino: statSync(path).ino };
  } catch {
    return { path };
  }
}

/** True when the recorded netns still exists (same inode, so never a recycled PID's netns). */
export function netnsAlive(ref: NetnsRef): boolean {
  if (!ref.path) return false;
  try {
    const st = statSync(ref.path);
    return ref.ino === undefined || st.ino === ref.ino;
  } catch {
    return false;
  }
}

/** The path to hand to a DEL: the recorded one if it is still that netns, else "" (gone). */
export function netnsForDel(ref: NetnsRef): string {
  return netnsAlive(ref) ? ref.path : '';
}

/** The host's network namespace: pid 1's, or (when that is hidden, e.g. in a sandbox) circuit's own. */
function hostNetnsStat(): Stats | undefined {
  for (const ref of ['/proc/1/ns/net', '/proc/self/ns/net']) {
    try {
      return statSync(ref);
    } catch {
      // hidden or gone: try the next
    }
  }
  return undefined;
}

/** True when `path` is the host's network namespace: circuit never configures that. */
export function isHostNetns(path: string): boolean {
  const host = hostNetnsStat();
  try {
    const a = statSync(path);
    return host !== undefined && a.ino === host.ino && a.dev === host.dev;
  } catch {
    return false;
  }
}
