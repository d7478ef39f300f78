import { z } from 'zod';
import { NotFoundError, UsageError } from '../errors';
import { containerId } from '../names';
import { netnsRef } from '../netns';
import { readBundle } from '../oci/bundle';
import { pidAlive } from '../proc';
import type { Runner } from '../runner';
import type { NetnsRef } from '../state/schemas';

const runcStateSchema = z.looseObject({
  id: z.string(),
  pid: z.number().int(),
  status: z.string(),
  bundle: z.string(),
});
const runcListSchema = z.array(runcStateSchema).nullable();

export interface ResolvedContainer {
  id: string;
  pid: number;
  bundle?: string;
  netns: NetnsRef;
  /** For runtimes with their own names (containerd): the name and namespace. */
  name?: string;
  namespace?: string;
}

function runcArgv(root: string | undefined, ...rest: string[]): string[] {
  return root ? ['runc', '--root', root, ...rest] : ['runc', ...rest];
}

function netnsOf(pid: number, bundle: string | undefined, id: string): NetnsRef {
  if (bundle) {
    const b = readBundle(bundle, pid);
    if (b.found && b.netnsPath === undefined) {
      throw new UsageError(`container ${id} shares the host network namespace; circuit will not attach it`);
    }
    if (b.netnsPath) return netnsRef(b.netnsPath);
  }
  return netnsRef(`/proc/${pid}/ns/net`);
}

/** CONTAINER is a runc container id or a PID (looked up in `runc list` to find its id). */
export async function resolveContainer(
  spec: string,
  run: Runner,
  runcRoot: string | undefined,
): Promise<ResolvedContainer> {
  if (/^\d+$/.test(spec)) {
    const pid = Number(spec);
    if (pid <= 0 || !pidAlive(pid)) throw new NotFoundError(`no process with pid ${spec}`);
    const res = await run({ argv: runcArgv(runcRoot, 'list', '--format', 'json') }).catch(() => undefined);
    let match: z.infer<typeof runcStateSchema> | undefined;
    if (res && res.exitCode === 0) {
      const parsed = runcListSchema.safeParse(JSON.parse(res.stdout || 'null'));
      if (parsed.success) match = (parsed.data ?? []).find((c) => c.pid === pid && c.status !== 'stopped');
    }
    const id = match?.id ?? `pid-${pid}`;
    return { id, pid, ...(match ? { bundle: match.bundle } : {}), netns: netnsOf(pid, match?.bundle, id) };
  }
  const valid = containerId.safeParse(spec);
  if (!valid.success)
    throw new UsageError(`invalid container ${JSON.stringify(spec)}: not a runc id or a pid`);
  const res = await run({ argv: runcArgv(runcRoot, 'state', spec) });
  if (res.failure) throw new NotFoundError(`cannot ask runc about ${spec}: ${res.failure}`);
  if (res.exitCode !== 0) {
    // runc logs `time=... level=error msg="..."`: keep the message, not the timestamp
    const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(res.stderr)?.[1] ?? res.stderr.trim();
    throw new NotFoundError(`container ${spec} not found (runc: ${msg})`);
  }
  const st = runcStateSchema.safeParse(JSON.parse(res.stdout));
  if (!st.success || st.data.pid <= 0 || st.data.status === 'stopped') {
    throw new NotFoundError(`container ${spec} is not running`);
  }
  return {
    id: spec,
    pid: st.data.pid,
    bundle: st.data.bundle,
    netns: netnsOf(st.data.pid, st.data.bundle, spec),
  };
}
