/** Kernel settings under /proc/sys written directly (the host's namespace). */
import { writeFileSync } from 'node:fs';

/** Write a /proc/sys setting; false when this kernel has no such setting (older kernels). */
export function writeSysctl(path: string, value: string): boolean {
  try {
    writeFileSync(`/proc/sys/${path}`, value);
    return true;
  } catch {
    return false;
  }
}
