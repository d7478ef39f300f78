import { z } from 'zod';
import { UsageError } from '../errors';
import { containerId, firstIssue } from '../names';

/** The OCI runtime state a hook receives on stdin (runtime-spec "State"). */
export const ociStateSchema = z.looseObject({
  ociVersion: z.string(),
  id: containerId,
  status: z.enum(['creating', 'created', 'running', 'stopped']),
  pid: z.number().int().nonnegative().optional(),
  bundle: z.string().min(1),
  annotations: z.record(z.string(), z.string()).optional(),
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

/** Read all of stdin, refusing more than `max` bytes. */
export async function readStdin(max = MAX_STATE_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw new UsageError('OCI state on stdin is larger than 1 MiB');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
