import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const entrySchema = z.looseObject({
  stage: z.string().optional(),
  action: z.string().optional(),
  ok: z.boolean().optional(),
  ms: z.number().nonnegative().optional(),
});
export type HookEntry = z.infer<typeof entrySchema>;

/**
 * Reads what hooks appended to <state>/hook.log since the last call (from the end of the file
 * at start-up; after a rotation, from the start of the new file). Bad lines are skipped.
 */
export class HookLogTail {
  private offset: number;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'hook.log');
    this.offset = this.size();
  }

  private size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  read(): HookEntry[] {
    const size = this.size();
    if (size < this.offset) this.offset = 0; // rotated
    if (size === this.offset) return [];
    const len = Math.min(size - this.offset, 16 * 1024 * 1024);
    const buf = Buffer.alloc(len);
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      readSync(fd, buf, 0, len, this.offset);
    } finally {
      closeSync(fd);
    }
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end === -1) return [];
    this.offset += Buffer.byteLength(text.slice(0, end + 1));
    const out: HookEntry[] = [];
    for (const line of text.slice(0, end).split('\n')) {
      try {
        const r = entrySchema.safeParse(JSON.parse(line));
        if (r.success) out.push(r.data);
      } catch {
        // a torn or foreign line
      }
    }
    return out;
  }
}
