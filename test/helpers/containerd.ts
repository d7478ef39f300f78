import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxImageTar } from './oci-image';
import { waitFor } from './server';
import { sh, trySh, uid } from './sys';

export const IMAGE = 'local/busybox:latest';

export interface Containerd {
  socket: string;
  ctr: (args: string[]) => { code: number; out: string; err: string };
  /** `ctr run -d` with labels; returns the container name. */
  run: (labels: Record<string, string>, name?: string, cmd?: string[]) => string;
  exec: (name: string, argv: string[]) => { code: number; out: string; err: string };
  kill: (name: string) => void;
  pid: (name: string) => number;
  status: (name: string) => string;
  /** Remove every task and container this instance has, then stop it. */
  close: () => Promise<void>;
  /** Stop containerd (SIGTERM; tasks keep running in their shims) and start it again. */
  restart: (downMs?: number) => Promise<void>;
  proc: ChildProcess;
}

/**
 * A private containerd (its own root, state, socket; CRI disabled) with a busybox image
 * imported from an OCI layout tarball. close() leaves no task, shim, mount or process.
 */
export async function startContainerd(dir: string): Promise<Containerd> {
  const root = join(dir, 'ctrd-root');
  const state = join(dir, 'ctrd-state');
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'containerd.toml');
  writeFileSync(config, 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
  let log = '';
  const launch = () => {
    const p = spawn(
      'containerd',
      ['--config', config, '--root', root, '--state', state, '--address', socket],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    p.stderr?.on('data', (d) => {
      log += String(d);
    });
    return p;
  };
  let proc = launch();
  const ctr = (args: string[]) => trySh(['ctr', '--address', socket, ...args]);
  await waitFor(() => ctr(['version']).code === 0, `containerd to start: ${log.slice(-500)}`, 20_000);
  const imp = ctr(['images', 'import', busyboxImageTar(join(dir, 'image'))]);
  if (imp.code !== 0) throw new Error(`ctr images import: ${imp.err}`);
  const names = new Set<string>();
  const c: Containerd = {
    socket,
    get proc() {
      return proc;
    },
    ctr,
    async restart(downMs = 0) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      await new Promise((r) => setTimeout(r, downMs));
      proc = launch();
      await waitFor(() => ctr(['version']).code === 0, 'containerd to restart', 20_000);
    },
    run(labels, name = `c${uid()}`, cmd = ['sleep', '3600']) {
      const l = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
      names.add(name);
      const r = ctr(['run', '-d', ...l, IMAGE, name, ...cmd]);
      if (r.code !== 0) throw new Error(`ctr run ${name}: ${r.err}`);
      return name;
    },
    exec(name, argv) {
      return ctr(['task', 'exec', '--exec-id', `x${uid()}`, name, ...argv]);
    },
    kill(name) {
      ctr(['task', 'kill', '-s', 'KILL', name]);
    },
    pid(name) {
      const line = ctr(['task', 'ls'])
        .out.split('\n')
        .find((l) => l.split(/\s+/)[0] === name);
      return Number(line?.split(/\s+/)[1] ?? 0);
    },
    status(name) {
      const line = ctr(['task', 'ls'])
        .out.split('\n')
        .find((l) => l.split(/\s+/)[0] === name);
      return line?.split(/\s+/)[2] ?? 'NONE';
    },
    async close() {
      const listed = ctr(['containers', 'ls', '-q']).out.split('\n').filter(Boolean);
      for (const n of new Set([...names, ...listed])) {
        ctr(['task', 'kill', '-s', 'KILL', n]);
      }
      for (const n of new Set([...names, ...listed])) {
        for (let i = 0; i < 20 && ctr(['task', 'delete', n]).code !== 0 && c.status(n) !== 'NONE'; i++)
          await new Promise((r) => setTimeout(r, 100));
        ctr(['containers', 'delete', n]);
      }
      ctr(['images', 'rm', IMAGE]);
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      trySh(['pkill', '-KILL', '-f', `containerd-shim-runc-v2 .*-address ${socket}`]);
      for (const m of sh(['sh', '-c', `grep -F '${dir}' /proc/mounts | cut -d' ' -f2 || true`])
        .split('\n')
        .filter(Boolean)
        .reverse())
        trySh(['umount', '-l', m]);
    },
  };
  return c;
}
