import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LOG_BYTES = 8 * 1024 * 1024;

/** Append one JSON line to <state>/hook.log (rotated once to hook.log.1 at 8 MiB). Never throws. */
export function hookLog(stateDir: string, entry: Record<string, unknown>): void {
  const file = join(stateDir, 'hook.log');
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    try {
      if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    appendFileSync(file, `${JSON.stringify({ ts: new Date().toISOString(), ...entry })}\n`, { mode: 0o600 });
  } catch {
    // logging must never break a container start
  }
}
