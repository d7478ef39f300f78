// circuit as Docker's network + IPAM driver, against a real dockerd (Debian's docker.io) started
// by the test, with containers from a busybox image made by `docker import`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { DOCKER_IMAGE, type Dockerd, dockerAsync, faultyDockerProxy, startDockerd } from '../helpers/docker';
import { ociBundle } from '../helpers/oci';
import { within } from '../helpers/qos';
import { type Daemon, startDaemon, waitFor } from '../helpers/server';
import {
  type Cleanup,
  CNI_PATH,
  circuit,
  defer,
  links,
  netns,
  subnet,
  tmpDir,
  trySh,
  uid,
} from '../helpers/sys';
import { circuitAsync, pathWith, toolWrapper, waitForFile } from '../helpers/wrappers';

const PLUGIN_DIR = '/run/docker/plugins';

let dk: Dockerd;
let dir = '';

interface Plugin {
  name: string;
  daemon: Daemon;
  stateDir: string;
  start: () => Promise<Daemon>;
}

/**
 * circuit server serving the plugin under a name unique to this test; its socket goes after.
 * `dockerSock`: where it asks dockerd (default: dockerd's own socket); `env`: its environment.
 */
async function plugin(
  t: Cleanup,
  opts: { dockerSock?: string; env?: Record<string, string> } = {},
): Promise<Plugin> {
  const name = `cirt${uid(3)}`;
  const home = join(dir, name);
  mkdirSync(home);
  const stateDir = join(home, 'state');
  defer(t, () => rmSync(join(PLUGIN_DIR, `${name}.sock`), { force: true }));
  const p: Plugin = {
    name,
    stateDir,
    daemon: undefined as unknown as Daemon,
    start: async () => {
      p.daemon = await startDaemon(
        t,
        home,
        stateDir,
        [
          '--docker-plugin',
          name,
          '--docker-host',
          `unix://${opts.dockerSock ?? dk.sock}`,
          '--log-level',
          'debug',
        ],
        opts.env ? { env: opts.env } : {},
      );
      return p.daemon;
    },
  };
  await p.start();
  return p;
}

/** `docker network create -d PLUGIN --ipam-driver PLUGIN ARGS NAME`. */
const createNetwork = (p: Plugin, args: string[], name: string) =>
  dk.docker(['network', 'create', '-d', p.name, '--ipam-driver', p.name, ...args, name]);

/** `docker network create` on the plugin; removed after the test. */
function network(
  t: Cleanup,
  p: Plugin,
  args: string[],
  opts: { gateway?: number; ipRange?: string } = {},
): { name: string; gateway: string; prefix: string } {
  const name = `dn${uid(3)}`;
  const sn = subnet();
  const gateway = `${sn.prefix}.${opts.gateway ?? 1}`;
  const extra = [
    ...(opts.gateway ? ['--gateway', gateway] : []),
    ...(opts.ipRange ? ['--ip-range', `${sn.prefix}.${opts.ipRange}`] : []),
  ];
  const r = createNetwork(p, ['--subnet', sn.cidr, ...extra, ...args], name);
  assert.equal(r.code, 0, r.err);
  defer(t, () => void dk.docker(['network', 'rm', name]));
  return { name, gateway, prefix: sn.prefix };
}

function run(t: Cleanup, args: string[], cmd: string[] = ['sleep', '600']): string {
  const name = `dc${uid(3)}`;
  const r = dk.docker(['run', '-d', '--name', name, ...args, DOCKER_IMAGE, ...cmd]);
  assert.equal(r.code, 0, r.err);
  defer(t, () => void dk.docker(['rm', '-f', name]));
  return name;
}

const exec = (c: string, argv: string[]) => dk.docker(['exec', c, ...argv]);
const ours = () => links().filter((l) => /^(cvh|cvp|cird)/.test(l));
const files = (p: Plugin, sub: string) => {
  const d = join(p.stateDir, 'docker', sub);
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')) : [];
};

function call(
  sock: string,
  path: string,
  method = 'POST',
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path, method }, (res) => {
      let out = '';
      res.on('data', (d) => {
        out += String(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: out }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Suite-wide cleanup (dockerd, its dir), run by the suite's after hook. */
const suiteCleanup: (() => void | Promise<void>)[] = [];
const suite: Cleanup = { after: (fn) => void suiteCleanup.push(fn) };

describe('Docker network and IPAM driver', { timeout: 300_000 }, () => {
  before(async () => {
    dir = tmpDir(suite, 'circuit-docker-');
    dk = await startDockerd(suite, dir);
  });
  after(async () => {
    for (let f = suiteCleanup.pop(); f; f = suiteCleanup.pop()) await f();
  });

  it('two containers reach each other and the gateway over IPv4 and IPv6; --ip, --ip6 and --mac-address honoured; health answers', async (t) => {
    const p = await plugin(t);
    const health = await call(join(PLUGIN_DIR, `${p.name}.sock`), '/NetworkDriver.GetCapabilities', 'GET');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { Scope: 'local', ConnectivityScope: 'local' });
    const v6 = `fd00:${Math.floor(Math.random() * 0xffff).toString(16)}::`;
    const net = network(t, p, ['--ipv6', '--subnet', `${v6}/64`]);
    const a = run(t, ['--net', net.name]);
    const b = run(t, [
      '--net',
      net.name,
      '--ip',
      `${net.prefix}.50`,
      '--ip6',
      `${v6}50`,
      '--mac-address',
      '02:42:c6:12:00:32',
    ]);
    const addrB = exec(b, ['ip', 'addr', 'show', 'eth0']).out;
    assert.match(addrB, new RegExp(`inet ${net.prefix.replace(/\./g, '\\.')}\\.50/24`));
    assert.match(addrB, new RegExp(`inet6 ${v6}50/64`));
    assert.match(addrB, /link\/ether 02:42:c6:12:00:32/);
    assert.match(
      exec(a, ['ip', 'link', 'show', 'eth0']).out,
      /link\/ether 02:/,
      'a generated MAC is locally administered',
    );
    assert.match(
      exec(a, ['ip', 'route']).out,
      new RegExp(`default via ${net.gateway.replace(/\./g, '\\.')}`),
    );
    for (const [from, to] of [
      [a, `${net.prefix}.50`],
      [a, `${v6}50`],
      [b, net.gateway],
      [b, `${v6}1`],
    ] as const) {
      const r = exec(from, ['ping', '-c', '1', '-W', '2', to]);
      assert.equal(r.code, 0, `${from} → ${to}: ${r.out}${r.err}`);
    }
    // the host reaches the container too (not --internal)
    assert.equal(trySh(['ping', '-c', '1', '-W', '2', `${net.prefix}.50`]).code, 0);
    assert.equal(files(p, 'endpoints').length, 2);
    // docker network connect / disconnect: a second interface comes and goes
    const net2 = network(t, p, []);
    assert.equal(dk.docker(['network', 'connect', net2.name, a]).code, 0);
    assert.match(
      exec(a, ['ip', 'addr', 'show', 'eth1']).out,
      new RegExp(`inet ${net2.prefix.replace(/\./g, '\\.')}\\.2/24`),
    );
    assert.equal(exec(a, ['ping', '-c', '1', '-W', '2', net2.gateway]).code, 0);
    assert.equal(ours().filter((l) => l.startsWith('cvh')).length, 3);
    assert.equal(dk.docker(['network', 'disconnect', net2.name, a]).code, 0);
    assert.notEqual(exec(a, ['ip', 'link', 'show', 'eth1']).code, 0);
    assert.equal(ours().filter((l) => l.startsWith('cvh')).length, 2);
    assert.equal(dk.docker(['network', 'rm', net2.name]).code, 0);
    dk.docker(['rm', '-f', a, b]);
    assert.equal(dk.docker(['network', 'rm', net.name]).code, 0);
    assert.deepEqual(ours(), []);
    assert.deepEqual([files(p, 'endpoints'), files(p, 'networks'), files(p, 'pools')], [[], [], []]);
  });

  it('a Docker network is a circuit network: list, ips by name, qos set (iperf3), qos labels, guarded against CNI', async (t) => {
    const p = await plugin(t);
    const net = network(t, p, []);
    const api = (args: string[]) => circuit(['--address', p.daemon.address, ...args]);
    const server = run(t, ['--net', net.name]);
    const client = run(t, ['--net', net.name]);
    const labelled = run(t, [
      '--net',
      net.name,
      '--label',
      'io.circuit.qos.rate=3mbit',
      '--label',
      'io.circuit.qos.direction=egress',
    ]);
    const peers = () =>
      (JSON.parse(api(['network', 'list', '--json']).out) as { name: string; peers: unknown[] }[]).find(
        (n) => n.name === net.name,
      )?.peers.length ?? -1;
    await waitFor(() => peers() === 3, 'three peers in network list');
    assert.match(api(['network', 'list']).out, /\(docker\.[0-9a-f]{12}\)/);
    const ips = JSON.parse(api(['network', 'ips', server, '--json']).out) as {
      network: string;
      ip: string;
      interface: string;
    }[];
    assert.equal(ips[0]?.network, net.name);
    assert.equal(ips[0]?.interface, 'eth0');
    const serverIp = ips[0]?.ip ?? '';
    assert.ok(serverIp.startsWith(`${net.prefix}.`));
    // network QoS shapes Docker containers (egress of the client towards the server)
    assert.equal(api(['network', 'qos', 'set', net.name, '--rate', '20mbit']).code, 0);
    assert.equal(exec(server, ['iperf3', '-s', '-D']).code, 0);
    const mbit = (c: string) => {
      const r = exec(c, ['iperf3', '-c', serverIp, '-t', '3', '-J']);
      const j = JSON.parse(r.out) as { end: { sum_received: { bits_per_second: number } } };
      return j.end.sum_received.bits_per_second / 1e6;
    };
    const shaped = mbit(client);
    assert.ok(within(shaped, 20, 0.15), `client ${shaped} Mbit/s ≈ 20`);
    // the label overrides the network's rate for that container
    await waitFor(() => /3mbit/.test(api(['network', 'qos', 'show', net.name]).out), 'the label applied');
    const own = mbit(labelled);
    assert.ok(within(own, 3, 0.15), `labelled ${own} Mbit/s ≈ 3`);
    // a container that joins later gets the network's QoS too
    const late = run(t, ['--net', net.name]);
    const lateId = `docker.${dk.docker(['inspect', '-f', '{{.Id}}', late]).out.trim().slice(0, 12)}`;
    const lateShaped = () =>
      (
        JSON.parse(api(['network', 'qos', 'show', net.name, '--json']).out) as {
          container: string;
          kernel: string;
        }[]
      ).some((r) => r.container === lateId && r.kernel.includes('20mbit'));
    await waitFor(() => peers() === 4 && lateShaped(), 'the late container shaped');
    assert.ok(within(mbit(late), 20, 0.15), 'the late container is shaped at 20 Mbit/s');
    // the rows are the cluster's too (runtime docker) and CNI stays away from Docker's network
    assert.match(api(['network', 'connect', 'x', net.name]).err, /is a Docker network/);
    assert.match(
      api(['network', 'delete', net.name]).err,
      /is a Docker network; remove it with docker network rm/,
    );
    dk.docker(['rm', '-f', server, client, labelled, late]);
    await waitFor(() => peers() <= 0, 'peers gone');
    assert.notEqual(api(['network', 'ips', server]).code, 0);
    assert.equal(dk.docker(['network', 'rm', net.name]).code, 0);
    await waitFor(() => !api(['network', 'list']).out.includes(net.name), 'the network gone from circuit');
    assert.deepEqual(ours(), []);
  });

  it('--internal: no gateway route, the host is not reachable', async (t) => {
    const p = await plugin(t);
    const net = network(t, p, ['--internal']);
    const a = run(t, ['--net', net.name]);
    const b = run(t, ['--net', net.name]);
    assert.doesNotMatch(exec(a, ['ip', 'route']).out, /default/);
    assert.notEqual(exec(a, ['ping', '-c', '1', '-W', '1', net.gateway]).code, 0);
    const ipB = exec(b, ['ip', '-4', 'addr', 'show', 'eth0']).out.match(/inet (\S+)\//)?.[1] ?? '';
    assert.equal(exec(a, ['ping', '-c', '1', '-W', '2', ipB]).code, 0);
  });

  it('-p HOST:CONTAINER reaches a busybox httpd from the host; the DNAT goes with the container; --gateway, --ip-range; circuit lb targets it', async (t) => {
    const p = await plugin(t);
    const net = network(t, p, [], { gateway: 254, ipRange: '128/25' });
    const www = join(dir, `www-${uid(2)}`);
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), 'hello from circuit\n');
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const web = run(
      t,
      ['--net', net.name, '-p', `${port}:80`, '-v', `${www}:/www`],
      ['httpd', '-f', '-p', '80', '-h', '/www'],
    );
    let body = '';
    for (let i = 0; i < 20 && !body; i++) {
      body = trySh(['wget', '-qO-', '-T', '2', `http://${net.gateway}:${port}/`]).out;
      if (!body) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(body, 'hello from circuit\n');
    assert.match(trySh(['nft', 'list', 'table', 'inet', 'circuit_docker']).out, new RegExp(`dport ${port}`));
    // circuit's load balancer targets Docker containers like any other address
    const api = (args: string[]) => circuit(['--address', p.daemon.address, ...args]);
    const webIp = (JSON.parse(api(['network', 'ips', web, '--json']).out) as { ip: string }[])[0]?.ip ?? '';
    // --ip-range and --gateway: the address comes from the upper half, the route via .254
    assert.ok(Number(webIp.split('.')[3]) > 128, webIp);
    assert.match(
      exec(web, ['ip', 'route']).out,
      new RegExp(`default via ${net.gateway.replace(/\./g, '\\.')}`),
    );
    const vip = `198.18.250.${10 + Math.floor(Math.random() * 200)}`;
    const svc = `dweb${uid(2)}`;
    assert.equal(api(['lb', 'create', svc, `${vip}:80`, '--backend', 'nftables']).code, 0);
    defer(t, () => void api(['lb', 'delete', svc]));
    assert.equal(api(['lb', 'add', svc, `${webIp}:80`]).code, 0);
    assert.equal(trySh(['wget', '-qO-', '-T', '2', `http://${vip}/`]).out, 'hello from circuit\n');
    assert.equal(api(['lb', 'delete', svc]).code, 0);
    dk.docker(['rm', '-f', web]);
    assert.notEqual(trySh(['nft', 'list', 'table', 'inet', 'circuit_docker']).code, 0, 'table removed');
  });

  it('plugin SIGKILLed and restarted between run and rm, dockerd restarted with containers: no error, nothing leaked', async (t) => {
    const p = await plugin(t);
    const net = network(t, p, []);
    const a = run(t, ['--net', net.name]);
    await p.daemon.kill();
    await p.start();
    assert.equal(dk.docker(['rm', '-f', a]).code, 0);
    run(t, ['--net', net.name]);
    await dk.restart();
    // dockerd cleans up its stopped sandbox through the plugin: Leave + DeleteEndpoint
    assert.deepEqual(
      ours().filter((l) => !l.startsWith('cird')),
      [],
    );
    const c = run(t, ['--net', net.name]);
    assert.equal(exec(c, ['ping', '-c', '1', '-W', '2', net.gateway]).code, 0);
    dk.docker(['rm', '-f', ...dk.docker(['ps', '-aq']).out.split('\n').filter(Boolean)]);
    assert.equal(dk.docker(['network', 'rm', net.name]).code, 0);
    assert.deepEqual(ours(), []);
    assert.deepEqual([files(p, 'endpoints'), files(p, 'networks'), files(p, 'pools')], [[], [], []]);
    // teardown calls for what is gone succeed (Docker retries them)
    const sock = join(PLUGIN_DIR, `${p.name}.sock`);
    const ids = { NetworkID: 'a'.repeat(64), EndpointID: 'b'.repeat(64) };
    for (const path of [
      '/NetworkDriver.Leave',
      '/NetworkDriver.DeleteEndpoint',
      '/NetworkDriver.DeleteNetwork',
    ])
      assert.equal((await call(sock, path, 'POST', JSON.stringify(ids))).status, 200, path);
    assert.equal(
      (await call(sock, '/IpamDriver.ReleasePool', 'POST', '{"PoolID":"CircuitLocal/198.18.0.0/24"}')).status,
      200,
    );
  });

  it('labels dockerd cannot give at first sight are applied once it can; the record names the host veth (no fake CNI cache entry)', async (t) => {
    // dockerd fails the first two container inspections: the labelled container's QoS must still come
    let inspections = 0;
    const proxy = await faultyDockerProxy(
      t,
      dk.sock,
      join(dir, `proxy-${uid(2)}.sock`),
      (method, path) => method === 'GET' && /\/containers\/[0-9a-f]+\/json$/.test(path) && ++inspections <= 2,
    );
    const p = await plugin(t, { dockerSock: proxy.sock });
    const net = network(t, p, []);
    const api = (args: string[]) => circuit(['--address', p.daemon.address, ...args]);
    const c = run(t, ['--net', net.name, '--label', 'io.circuit.qos.rate=3mbit']);
    const id = `docker.${dk.docker(['inspect', '-f', '{{.Id}}', c]).out.trim().slice(0, 12)}`;
    await waitFor(() => proxy.failed() >= 1, 'a container inspection to fail');
    await waitFor(
      () =>
        (
          JSON.parse(api(['network', 'qos', 'show', net.name, '--json']).out) as {
            container: string;
            kernel: string;
          }[]
        ).some((r) => r.container === id && r.kernel.includes('3mbit')),
      'the label applied after dockerd answered',
      20_000,
    );
    assert.match(p.daemon.log(), /docker container labels not readable; its record waits/);
    const rec = JSON.parse(readFileSync(join(p.stateDir, 'containers', `${id}.json`), 'utf8')) as {
      attachments: { network: string; hostDevice?: string }[];
    };
    assert.equal(rec.attachments.length, 1);
    assert.match(rec.attachments[0]?.hostDevice ?? '', /^cvh[0-9a-f]{11}$/);
    assert.ok(ours().includes(rec.attachments[0]?.hostDevice ?? ''), 'hostDevice is the live host veth');
    const cache = join(p.stateDir, 'cache', 'results');
    assert.deepEqual(existsSync(cache) ? readdirSync(cache).filter((f) => f.includes('docker.')) : [], []);
  });

  it('-p with an nft that sleeps 3 s: a concurrent hook ADD on the same state dir finishes in under 1 s', async (t) => {
    const home = join(dir, `slow-${uid(2)}`);
    mkdirSync(home);
    const mark = join(home, 'nft-running');
    const bin = toolWrapper(home, 'nft', `case "$*" in *"-f -"*) touch ${mark}; sleep 3;; esac`);
    const p = await plugin(t, { env: { ...process.env, CNI_PATH, PATH: pathWith(bin) } });
    const net = network(t, p, []);
    // a CNI network in the plugin's state dir, for a container the hook starts meanwhile
    const cni = bridgeNetwork(t, home);
    assert.equal(circuit(['network', 'create', cni.file], { stateDir: p.stateDir }).code, 0);
    const name = `dc${uid(3)}`;
    defer(t, () => void dk.docker(['rm', '-f', name]));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const started = dockerAsync(dk, [
      'run',
      '-d',
      '--name',
      name,
      '--net',
      net.name,
      '-p',
      `${port}:80`,
      DOCKER_IMAGE,
      'sleep',
      '600',
    ]);
    await waitForFile(mark, 30_000);

    const ns = netns(t);
    const b = ociBundle(home, { netnsPath: ns.path, annotations: { 'io.circuit.network': cni.name } });
    defer(t, () => void circuit(['hook', 'poststop'], { stateDir: p.stateDir, input: b.state('stopped') }));
    const add = await circuitAsync(['hook', 'createRuntime'], { stateDir: p.stateDir, input: b.state() });
    assert.equal(add.code, 0, add.err);
    t.diagnostic(`hook ADD ${Math.round(add.ms)} ms while nft slept`);
    assert.ok(add.ms < 1000, `hook ADD took ${Math.round(add.ms)} ms while nft slept`);

    const r = await started;
    assert.equal(r.code, 0, r.err);
    assert.ok(r.ms >= 3000, `docker run took ${Math.round(r.ms)} ms (its nft sleeps 3 s)`);
    assert.match(trySh(['nft', 'list', 'table', 'inet', 'circuit_docker']).out, new RegExp(`dport ${port}`));
    assert.equal(circuit(['hook', 'poststop'], { stateDir: p.stateDir, input: b.state('stopped') }).code, 0);
    assert.equal(dk.docker(['rm', '-f', name]).code, 0);
    assert.notEqual(trySh(['nft', 'list', 'table', 'inet', 'circuit_docker']).code, 0, 'table removed');
  });

  it('a network whose bridge cannot be brought up: docker gets the error, the bridge and its record are undone', async (t) => {
    const home = join(dir, `failip-${uid(2)}`);
    mkdirSync(home);
    const bin = toolWrapper(
      home,
      'ip',
      `case "$*" in *"link set cird"*" up"*) echo "RTNETLINK answers: injected failure" >&2; exit 2;; esac`,
    );
    const p = await plugin(t, { env: { ...process.env, CNI_PATH, PATH: pathWith(bin) } });
    const before = ours();
    const name = `dn${uid(3)}`;
    const r = createNetwork(p, ['--subnet', subnet().cidr], name);
    defer(t, () => void dk.docker(['network', 'rm', name]));
    assert.notEqual(r.code, 0);
    assert.match(r.err, /ip link set cird[0-9a-f]{10} up: RTNETLINK answers: injected failure/);
    assert.deepEqual(ours(), before, 'the bridge circuit created is gone again');
    assert.deepEqual(files(p, 'networks'), []);
  });

  it('bad options: one clear error printed by docker, nothing created', async (t) => {
    const p = await plugin(t);
    const taken = network(t, p, []);
    const before = { links: ours(), pools: files(p, 'pools'), nets: files(p, 'networks') };
    const sn = subnet();
    const cases: [string[], RegExp][] = [
      [['--subnet', sn.cidr, '-o', 'foo=bar'], /unknown network option "foo"/],
      [['--subnet', sn.cidr, '-o', 'circuit.mtu=12'], /circuit.mtu: "12" is not an MTU/],
      [
        ['--subnet', sn.cidr, '-o', 'circuit.bridge=way-too-long-bridge-name'],
        /circuit.bridge: .* is not an interface name/,
      ],
      [['--subnet', `${taken.prefix}.128/25`], /overlaps/],
      [[], /give the network a subnet/],
      [['--subnet', sn.cidr, '--ip-range', '198.19.254.0/28'], /198\.19\.254\.0\/28/],
    ];
    for (const [args, msg] of cases) {
      const r = createNetwork(p, args, `bad${uid(2)}`);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, msg, args.join(' '));
    }
    const outside = dk.docker([
      'run',
      '--rm',
      '--net',
      taken.name,
      '--ip',
      '198.19.254.9',
      DOCKER_IMAGE,
      'true',
    ]);
    assert.notEqual(outside.code, 0);
    assert.match(outside.err, /198\.19\.254\.9/);
    assert.deepEqual({ links: ours(), pools: files(p, 'pools'), nets: files(p, 'networks') }, before);
    assert.equal(p.daemon.proc.exitCode, null, 'the daemon is still serving');
  });
});
