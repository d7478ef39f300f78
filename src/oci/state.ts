import { readSync } from 'node:fs';
import { UsageError } from '../errors';
import { containerId, firstIssue } from '../names';
import * as z from '../schema';

/** The OCI runtime state a hook receives on stdin (runtime-spec "State"). */
export const ociStateSchema = z.looseObject({
  ociVersion: z.string(),
  id: containerId,
  status: z.enum(['creating', 'created', 'running', 'stopped']),
  pid: z.optional(z.int().check(z.nonnegative())),
  bundle: z.string().check(z.minLength(1)),
  annotations: z.optional(z.record(z.string(), z.string())),
});
export type OciState = z.infer<typeof ociStateSchema>;

export const MAX_STATE_BYTES = 1024 * 1024;

export function parseOciState(text: string): OciState {
  if (Buffer.byteLength(text) > MAX_STATE_BYTES)
    throw new UsageError('OCI state on stdin is larger than 1 MiB');
  if (text.trim() === '') throw new UsageError('no OCI state on stdin (circuit runs as an OCI hook here)');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError('OCI state on stdin is not valid JSON');
  }
  const r = ociStateSchema.safeParse(doc);
  if (!r.success) throw new UsageError(`invalid OCI state on stdin: ${firstIssue(r.error)}`);
  return r.data;
}

/**
 * Read all of stdin, refusing more than `max` bytes. Synchronous reads on fd 0 (the runtime writes
 * the state and closes the pipe): a stream iterator costs ~10 ms of start-up in bun; a
 * non-blocking stdin falls back to it.
 */
export async function readStdin(max = MAX_STATE_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const add = (buf: Buffer) => {
    size += buf.length;
    if (size > max) throw new UsageError('OCI state on stdin is larger than 1 MiB');
    chunks.push(buf);
  };
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(0, buf, 0, buf.length, null);
      if (n === 0) break;
      add(Buffer.from(buf.subarray(0, n)));
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
      if (code === 'EOF') return Buffer.concat(chunks).toString('utf8');
      throw err;
    }
    for await (const chunk of process.stdin) add(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
