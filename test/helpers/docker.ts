import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { busyboxRootfs } from './runc';
import { waitFor } from './server';
import { type Cleanup, defer, trySh } from './sys';

export const DOCKER_IMAGE = 'local/busybox';
/** Debian's client, which speaks the daemon's API version (a newer one elsewhere on PATH may not). */
const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export interface Dockerd {
  sock: string;
  docker: (args: string[]) => { code: number; out: string; err: string };
  /** SIGTERM dockerd (its containers stop), then start it again on the same roots. */
  restart: () => Promise<void>;
}

/** Copy Debian's iperf3 and the libraries it links into a rootfs (for bandwidth tests). */
function withIperf3(rootfs: string): void {
  const ldd = spawnSync('ldd', ['/usr/bin/iperf3'], { encoding: 'utf8' }).stdout;
  const libs = [...ldd.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1] ?? '');
  for (const file of ['/usr/bin/iperf3', ...libs]) {
    const to = join(rootfs, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(file, to);
  }
}

/**
 * A private dockerd (own data/exec roots, socket and pidfile; vfs, no iptables, no default bridge)
 * with a busybox image made by `docker import` of a busybox-static rootfs. After the test every
 * container is removed and dockerd (with the containerd it manages) is stopped.
 */
export async function startDockerd(t: Cleanup, dir: string): Promise<Dockerd> {
  const sock = join(dir, 'docker.sock');
  const args = [
    '--data-root',
    join(dir, 'dk-data'),
    '--exec-root',
    join(dir, 'dk-exec'),
    '--pidfile',
    join(dir, 'dockerd.pid'),
    '-H',
    `unix://${sock}`,
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
  ];
  const docker = (a: string[]) => trySh([DOCKER, '-H', `unix://${sock}`, ...a]);
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const start = async () => {
    const p = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d) => {
      log = (log + String(d)).slice(-20_000);
    });
    proc = p;
    exited = new Promise((resolve) => p.once('exit', () => resolve()));
    await waitFor(() => docker(['version']).code === 0, `dockerd to answer: ${log.slice(-800)}`, 60_000);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGTERM');
    const done = await Promise.race([
      exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 30_000)),
    ]);
    if (!done) {
      p.kill('SIGKILL');
      await exited;
    }
  };
  defer(t, async () => {
    const ids = docker(['ps', '-aq']).out.split('\n').filter(Boolean);
    if (ids.length) docker(['rm', '-f', ...ids]);
    await stop();
  });
  await start();
  const rootfs = busyboxRootfs(join(dir, 'image'));
  withIperf3(rootfs);
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 256 << 20 });
  const imp = spawnSync(DOCKER, ['-H', `unix://${sock}`, 'import', '-', DOCKER_IMAGE], {
    input: tar.stdout,
  });
  if (imp.status !== 0) throw new Error(`docker import: ${String(imp.stderr)}`);
  return {
    sock,
    docker,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/**
 * A unix-socket proxy in front of a real dockerd that answers HTTP 500 instead of forwarding a
 * request while `fail(method, path)` says so (a dockerd that cannot answer one call for a while);
 * every other request goes through unchanged. Closed after the test.
 */
export async function faultyDockerProxy(
  t: Cleanup,
  dockerSock: string,
  sock: string,
  fail: (method: string, path: string) => boolean,
): Promise<{ sock: string; failed: () => number }> {
  const { createServer, request } = await import('node:http');
  let failed = 0;
  const server = createServer((req, res) => {
    if (fail(req.method ?? 'GET', req.url ?? '')) {
      failed++;
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end('{"message":"injected failure"}');
      return;
    }
    const up = request(
      { socketPath: dockerSock, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => resolve());
  });
  defer(t, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { sock, failed: () => failed };
}

/** `docker ARGS` run asynchronously (a call that blocks while the test does something else). */
export function dockerAsync(
  dk: Dockerd,
  args: string[],
): Promise<{ code: number; out: string; err: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const p = spawn(DOCKER, ['-H', `unix://${dk.sock}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err, ms: performance.now() - started }));
  });
}
