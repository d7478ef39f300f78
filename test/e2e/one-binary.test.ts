// dist/circuit-bin is the whole product: copied alone into an empty directory and run from another
// one, it serves the daemon with metrics, DNS, a containerd, a Redis cluster registry and the
// Docker plugin (each real and private), and answers CLI calls through the daemon; strace shows
// that no process of it runs node or opens a .proto file, node_modules or anything in the checkout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { startContainerd } from '../helpers/containerd';
import { DOCKER_IMAGE, startDockerd } from '../helpers/docker';
import { freePort, startRedis } from '../helpers/redis';
import { startDaemon, waitFor } from '../helpers/server';
import { CIRCUIT_EXE, defer, ROOT, subnet, tmpDir, uid } from '../helpers/sys';

const LABEL = 'io.circuit.network';
const PLUGIN_DIR = '/run/docker/plugins';

/** The files a traced process tree opened or executed (strace -f -e trace=open,openat,execve). */
function touched(trace: string): { opened: string[]; executed: string[] } {
  const opened: string[] = [];
  const executed: string[] = [];
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const m = /\b(open|openat|execve)\((?:AT_FDCWD, )?"([^"]*)"/.exec(line);
    if (!m?.[2]) continue;
    if (m[1] === 'execve') {
      if (!/= -1 /.test(line)) executed.push(m[2]);
    } else if (!/= -1 /.test(line)) opened.push(m[2]);
  }
  return { opened, executed };
}

function assertAlone(trace: string, what: string): void {
  const { opened, executed } = touched(trace);
  assert.ok(opened.length > 0, `${what}: the trace saw the process (${trace})`);
  const bad = opened.filter((p) => /node_modules|\.proto$/.test(p) || p.startsWith(ROOT));
  assert.deepEqual(bad, [], `${what} opened`);
  assert.deepEqual(
    executed.filter((p) => /(^|\/)(node|bun|nodejs)$/.test(p)),
    [],
    `${what} ran a JavaScript runtime`,
  );
}

/** One DNS query (A) over UDP; the answer's addresses, or the rcode when there are none. */
async function resolveA(port: number, name: string): Promise<string[] | string> {
  const packet = (await import('dns-packet')).default;
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no DNS answer for ${name}`)), 3000);
      sock.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      sock.send(packet.encode({ type: 'query', id: 7, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
    });
    const d = packet.decode(reply);
    const ips = (d.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : []));
    return ips.length ? ips : String((d as { rcode?: string }).rcode);
  } finally {
    sock.close();
  }
}

describe('dist/circuit-bin alone', { timeout: 300_000 }, () => {
  it('daemon (metrics, DNS, containerd, Redis, Docker plugin) and CLI calls through it, from a lone copy', async (t) => {
    const dir = tmpDir(t, 'circuit-one-bin-');
    const only = join(dir, 'only');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(only);
    mkdirSync(elsewhere);
    const bin = join(only, 'circuit');
    copyFileSync(CIRCUIT_EXE, bin);
    chmodSync(bin, 0o755);
    assert.deepEqual(readdirSync(only), ['circuit']);
    const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_PATH: '/usr/lib/cni' };
    const traced = (name: string, argv: string[]) => [
      'strace',
      '-f',
      '-qq',
      '-e',
      'trace=open,openat,execve',
      '-o',
      join(dir, `${name}.trace`),
      ...argv,
    ];
    const cli = (args: string[], trace?: string) => {
      const argv = [bin, '--address', `unix://${join(dir, 'api.sock')}`, ...args];
      const [file = bin, ...rest] = trace ? traced(trace, argv) : argv;
      const r = spawnSync(file, rest, { cwd: elsewhere, env, encoding: 'utf8' });
      return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
    };

    const net = bridgeNetwork(t, dir);
    const ctrd = await startContainerd(dir);
    defer(t, () => ctrd.close());
    const redis = await startRedis(t, dir);
    const dk = await startDockerd(t, dir);
    const plugin = `cirb${uid(3)}`;
    defer(t, () => rmSync(join(PLUGIN_DIR, `${plugin}.sock`), { force: true }));
    const metricsPort = await freePort();
    const dnsPort = await freePort();
    const stateDir = join(dir, 'state');

    const d = await startDaemon(
      t,
      dir,
      stateDir,
      [
        '--metrics',
        `127.0.0.1:${metricsPort}`,
        '--dns',
        `127.0.0.1:${dnsPort}`,
        '--containerd',
        ctrd.socket,
        '--redis-url',
        redis.url,
        '--node-name',
        'solo',
        '--docker-plugin',
        plugin,
        '--docker-host',
        `unix://${dk.sock}`,
      ],
      { argv: traced('daemon', [bin]), cwd: elsewhere, env },
    );
    // strace is the child; the daemon logs its own pid (signals go to it, and it must not outlive a failure)
    const pid = Number(/"msg":"serving".*?"pid":(\d+)/.exec(d.log())?.[1] ?? 0);
    assert.ok(pid > 0, d.log());
    defer(t, () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });

    // the API: a network made through the daemon, listed, inspected
    const created = cli(['network', 'create', net.file], 'cli-create');
    assert.equal(created.code, 0, created.err);
    assert.match(cli(['network', 'list']).out, new RegExp(`^${net.name}\\s`, 'm'));
    assert.equal(cli(['network', 'inspect', 'nope']).code, 3, 'a not-found status keeps its exit code');
    assert.equal(cli(['lb', 'list']).code, 0);

    // containerd: a labelled container is attached by the daemon's watcher
    const c = ctrd.run({ [LABEL]: net.name });
    const ips = () => {
      const r = cli(['network', 'ips', c, '--json']);
      return r.code === 0 ? (JSON.parse(r.out) as { ip: string }[]).filter((row) => row.ip) : [];
    };
    // (a row without an ip is an attachment in progress)
    await waitFor(() => ips().length === 1, 'the containerd container attached', 15_000);
    const ip = ips()[0]?.ip ?? '';
    assert.ok(
      ip.startsWith(`${net.prefix}.`),
      `${ip} ${JSON.stringify(cli(['network', 'ips', c, '--json']))}`,
    );

    // DNS answers for it; the cluster registry (Redis) has this node
    assert.deepEqual(await resolveA(dnsPort, `${c}.${net.name}.circuit`), [ip]);
    await waitFor(() => /solo/.test(cli(['cluster', 'nodes']).out), 'the node in the registry', 10_000);
    assert.ok(redis.cli(['keys', '*']).out.trim().length > 0, 'the registry wrote to Redis');

    // metrics
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /circuit_api_calls_total\{method="NetworkService\/ListNetworks",code="OK"\} \d+/);
    assert.match(metrics, /circuit_attachments\{/);

    // Docker: a network and a container on the plugin the daemon serves
    const sn = subnet();
    const dnet = `dn${uid(3)}`;
    const made = dk.docker([
      'network',
      'create',
      '-d',
      plugin,
      '--ipam-driver',
      plugin,
      '--subnet',
      sn.cidr,
      dnet,
    ]);
    assert.equal(made.code, 0, made.err);
    defer(t, () => void dk.docker(['network', 'rm', dnet]));
    const dc = `dc${uid(3)}`;
    const ran = dk.docker(['run', '-d', '--name', dc, '--net', dnet, DOCKER_IMAGE, 'sleep', '600']);
    assert.equal(ran.code, 0, ran.err);
    defer(t, () => void dk.docker(['rm', '-f', dc]));
    assert.match(
      dk.docker(['exec', dc, 'ip', '-o', '-4', 'addr', 'show']).out,
      new RegExp(`${sn.prefix}\\.`),
    );
    assert.equal(dk.docker(['rm', '-f', dc]).code, 0);
    assert.equal(dk.docker(['network', 'rm', dnet]).code, 0);

    ctrd.kill(c);
    await waitFor(() => ips().length === 0, 'released on exit', 10_000);
    assert.equal(cli(['network', 'delete', net.name]).code, 0);

    // SIGTERM: a clean exit (strace exits with the daemon's status)
    process.kill(pid, 'SIGTERM');
    assert.equal(await new Promise((r) => d.proc.once('exit', r)), 0, d.log());
    assertAlone(join(dir, 'daemon.trace'), 'the daemon');
    assertAlone(join(dir, 'cli-create.trace'), 'a CLI call through the daemon');
  });
});
