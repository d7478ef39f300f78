import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { busyboxRootfs } from './runc';
import { CIRCUIT_BIN, CNI_PATH, circuit, defer, sh, spawnCollect, trySh } from './sys';

/** Debian's podman, runc as its runtime. */
export const hasPodman = () => trySh(['podman', '--version']).code === 0;

/** A hard rlimit of this process (`/proc/self/limits`), or undefined when unlimited. */
function hardLimit(row: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(row));
  const hard = line?.slice(row.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

/**
 * `--ulimit` flags runc can apply in this sandbox: podman otherwise asks for limits above what
 * runc may set ("error setting rlimit type 7" for nofile, type 6 for nproc). nofile: the hard
 * limit; nproc: the hard limit, at most pid_max (conmon runs runc with nproc capped there).
 */
export function ulimitFlags(): string[] {
  const nofile = hardLimit('Max open files') ?? 1048576;
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
  const nproc = Math.min(hardLimit('Max processes') ?? pidMax, pidMax);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

export interface Podman {
  dir: string;
  stateDir: string;
  hooksDir: string;
  /** `podman GLOBAL... ARGS` (synchronous). */
  run: (args: string[]) => { code: number; out: string; err: string };
  /** The same, asynchronous (a container's prestart hook may take a while on a loaded machine). */
  spawn: (args: string[]) => Promise<{ code: number; out: string; err: string }>;
  /** `podman run -d --network none --annotation ... IMAGE sleep 3600`: the full id. */
  start: (name: string, annotations: Record<string, string>, extra?: string[]) => Promise<string>;
  image: string;
}

const IMAGE = 'localhost/circuit-busybox:latest';

/**
 * A podman with its own --root/--runroot/--tmpdir/--network-config-dir under `dir`, runc, cgroupfs,
 * file events, vfs storage, and `dir/hooks.d` (circuit's files from `circuit hooks install`) as
 * its only hooks dir; a busybox image from `podman import`. After the test every container is
 * removed, `podman system reset` empties the private root and nothing stays mounted under `dir`.
 */
export function podmanEnv(t: Pick<TestContext, 'after'>, dir: string, opts: { bin?: string } = {}): Podman {
  const root = join(dir, 'podman');
  const stateDir = join(dir, 'state');
  const hooksDir = join(dir, 'hooks.d');
  mkdirSync(root, { recursive: true });
  const global = [
    '--root',
    join(root, 'root'),
    '--runroot',
    join(root, 'runroot'),
    '--tmpdir',
    join(root, 'tmp'),
    '--network-config-dir',
    join(root, 'networks'),
    '--runtime',
    'runc',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
    '--storage-driver',
    'vfs',
    '--hooks-dir',
    hooksDir,
  ];
  const run = (args: string[]) => trySh(['podman', ...global, ...args]);
  defer(t, () => {
    run(['rm', '--all', '--force', '--time', '0']);
    run(['system', 'reset', '--force']);
    for (const m of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const target = m.split(' ')[1] ?? '';
      if (target.startsWith(root)) trySh(['umount', '-l', target]);
    }
  });
  const installed = circuit(
    ['hooks', 'install', '--dir', hooksDir, '--state-dir', stateDir, '--bin', opts.bin ?? CIRCUIT_BIN],
    { env: { CNI_PATH } },
  );
  if (installed.code !== 0) throw new Error(`hooks install: ${installed.err}`);

  // podman import writes c/image's blob-info cache under /var/lib/containers/cache whatever --root
  // says: import in a mount namespace of its own, with a tmpfs there
  const rootfs = busyboxRootfs(join(dir, 'img'));
  const tar = join(dir, 'busybox.tar');
  sh(['tar', '-C', rootfs, '--numeric-owner', '-cf', tar, '.']);
  const shared = '/var/lib/containers';
  const made = !existsSync(shared);
  if (made) mkdirSync(shared, { mode: 0o700 });
  try {
    sh([
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount -t tmpfs tmpfs ${shared} && exec "$@"`,
      'sh',
      'podman',
      ...global,
      'import',
      '--quiet',
      '--change',
      'CMD=/bin/sh',
      tar,
      IMAGE,
    ]);
  } finally {
    if (made) rmSync(shared, { recursive: true, force: true });
  }

  const spawnPodman = (args: string[]) => spawnCollect(['podman', ...global, ...args]);
  return {
    dir,
    stateDir,
    hooksDir,
    run,
    spawn: spawnPodman,
    image: IMAGE,
    async start(name, annotations, extra = []) {
      const r = await spawnPodman([
        'run',
        '-d',
        '--name',
        name,
        ...ulimitFlags(),
        '--cap-add',
        'NET_RAW',
        ...(extra.some((a) => a === '--network' || a.startsWith('--network=')) ? [] : ['--network', 'none']),
        ...extra,
        ...Object.entries(annotations).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]),
        IMAGE,
        'sleep',
        '3600',
      ]);
      if (r.code !== 0) throw new Error(`podman run ${name}: ${r.err}`);
      return r.out.trim();
    },
  };
}
