import { statSync } from 'node:fs';

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

/** True when `path` is the host's network namespace (pid 1's): circuit never configures that. */
export function isHostNetns(path: string): boolean {
  try {
    const a = statSync(path);
    const b = statSync('/proc/1/ns/net');
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}
