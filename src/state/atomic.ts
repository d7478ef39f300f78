import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

let seq = 0;

/**
 * Write a file so that readers, and a process killed at any point, see either the old or the new
 * content, never a torn one (temp file + rename in the same directory). `durable` also fsyncs the
 * file and the directory so the change survives a power loss; records of kernel objects that a
 * reboot wipes anyway (container attachments, the CNI result cache) skip it on the hook path.
 */
export function writeFileAtomic(path: string, data: string, durable = true): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.tmp-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) syncDir(dir);
}

export function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort: some filesystems refuse fsync on directories
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
