// Three circuit daemons (n1..n3) in a cluster over a real redis-server on 127.0.0.1, each with its
// own state dir, runc root, API socket and bridge; containers start through the runc hook.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { namedBridgeNetwork } from '../helpers/cni';
import { startRedis } from '../helpers/redis';
import { busyboxRootfs, type Runc, runcEnv } from '../helpers/runc';
import { type Daemon, startDaemon, waitFor } from '../helpers/server';
import { type Cleanup, circuit, tmpDir } from '../helpers/sys';

const INTERVAL_MS = 500; // entries live 3 intervals
const NET = 'shared';

let rootfs = '';

interface Node {
  name: string;
  rc: Runc;
  gateway: string;
  prefix: string;
  daemon: Daemon;
  /** Start (again) with the same state dir, socket and flags. */
  start: () => Promise<Daemon>;
  api: (args: string[]) => { code: number; out: string; err: string };
  run: (id: string) => Promise<void>;
}

interface Row {
  network: string;
  ip: string;
  interface: string;
  node?: string;
}
interface NodeRow {
  name: string;
  containers: number;
  version: string;
  address: string;
}

/** One node: a bridge network named "shared" on its own /24, and its daemon in the cluster. */
async function node(
  t: Cleanup,
  dir: string,
  name: string,
  redisUrl: string,
  extra: (gateway: string) => string[] = () => [],
): Promise<Node> {
  const home = join(dir, name);
  mkdirSync(home);
  const rc = runcEnv(t, home, rootfs);
  const net = namedBridgeNetwork(t, home, NET, rc.stateDir);
  const flags = [
    '--redis-url',
    redisUrl,
    '--node-name',
    name,
    '--cluster-interval',
    `${INTERVAL_MS}ms`,
    '--log-level',
    'debug',
    ...extra(net.gateway),
  ];
  const n: Node = {
    name,
    rc,
    gateway: net.gateway,
    prefix: net.prefix,
    daemon: undefined as unknown as Daemon,
    start: async () => {
      n.daemon = await startDaemon(t, home, rc.stateDir, flags, { runcRoot: rc.root });
      return n.daemon;
    },
    api: (args) => circuit(['--address', n.daemon.address, ...args]),
    run: async (id) => {
      const c = rc.bundle({ id, cniConf: NET });
      const r = await rc.run(c.id, c.bundle);
      assert.equal(r.code, 0, r.err);
    },
  };
  await n.start();
  return n;
}

function nodesOf(n: Node): string[] {
  const r = n.api(['cluster', 'nodes', '--json']);
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as NodeRow[]).map((x) => x.name);
}

function ipsOf(n: Node, container: string): Row[] {
  const r = n.api(['network', 'ips', container, '--json']);
  if (r.code !== 0) return [];
  return JSON.parse(r.out) as Row[];
}

const names = (rows: Row[]) => rows.map((r) => r.node).sort();

describe('cluster over Redis', { timeout: 240_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('three nodes: cluster nodes, network ips across nodes (NODE column), same name on two nodes', async (t) => {
    const dir = tmpDir(t);
    const redis = await startRedis(t, dir);
    const [n1, n2, n3] = [
      await node(t, dir, 'n1', redis.url),
      await node(t, dir, 'n2', redis.url),
      await node(t, dir, 'n3', redis.url),
    ] as [Node, Node, Node];
    await n3.run('web');
    await n1.run('db');
    await n2.run('db');
    await waitFor(() => nodesOf(n1).length === 3, 'three nodes in the registry');
    assert.deepEqual(nodesOf(n2), ['n1', 'n2', 'n3']);
    const table = n1.api(['cluster', 'nodes']);
    assert.match(table.out, /^NAME\s+VERSION\s+CPUS\s+MEMORY\s+UPTIME\s+KERNEL\s+CONTAINERS\n/);
    assert.deepEqual(
      table.out
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0]),
      ['n1', 'n2', 'n3'],
    );
    const json = JSON.parse(n1.api(['cluster', 'nodes', '--json']).out) as NodeRow[];
    assert.equal(json.find((x) => x.name === 'n3')?.containers, 1);
    assert.equal(json.find((x) => x.name === 'n2')?.address, n2.daemon.address);

    await waitFor(() => ipsOf(n1, 'web').length === 1, 'web (on n3) visible from n1');
    const web = ipsOf(n1, 'web')[0];
    assert.equal(web?.node, 'n3');
    assert.equal(web?.network, NET);
    assert.ok(web?.ip.startsWith(`${n3.prefix}.`), `${web?.ip} is on n3's subnet`);
    assert.equal(web?.interface, 'eth0');
    const text = n1.api(['network', 'ips', 'web']);
    assert.match(text.out, /^NETWORK\s+IP\s+INTERFACE\s+NODE\n/);
    assert.match(text.out, new RegExp(`${NET}\\s+${web?.ip.replace(/\./g, '\\.')}\\s+eth0\\s+n3\\n`));

    await waitFor(() => ipsOf(n3, 'db').length === 2, 'db on n1 and n2, asked on n3');
    assert.deepEqual(names(ipsOf(n3, 'db')), ['n1', 'n2']);
    assert.deepEqual(names(ipsOf(n1, 'db')), ['n1', 'n2']);
    // unknown everywhere: not found, exit code as for a local miss
    const miss = n1.api(['network', 'ips', 'nosuch']);
    assert.notEqual(miss.code, 0);
    assert.match(miss.err, /nosuch/);

    // a container stopped on n2 leaves the registry without waiting for the TTL
    assert.equal(n2.rc.del('db').code, 0);
    await waitFor(() => names(ipsOf(n3, 'db')).join() === 'n1', 'db gone from n2', 3000);
    // only the redis keys this layout names, no scan needed to answer
    const keys = redis.cli(['--scan', '--pattern', 'circuit:*']).out.split('\n').filter(Boolean).sort();
    assert.ok(
      keys.includes('circuit:nodes') &&
        keys.includes('circuit:name:web') &&
        keys.includes('circuit:att:n3:web'),
    );
    assert.ok(!keys.includes('circuit:att:n2:db'), keys.join(' '));
  });

  it('a SIGKILLed node leaves within the TTL and returns on restart; a redis restart or FLUSHALL heals within one interval', async (t) => {
    const dir = tmpDir(t);
    const redis = await startRedis(t, dir);
    const n1 = await node(t, dir, 'n1', redis.url);
    const n3 = await node(t, dir, 'n3', redis.url);
    await n3.run('web');
    await waitFor(() => ipsOf(n1, 'web').length === 1 && nodesOf(n1).length === 2, 'n3 and web visible');

    await n3.daemon.kill();
    const killed = Date.now();
    await waitFor(() => nodesOf(n1).join() === 'n1', 'n3 to leave cluster nodes', 3 * INTERVAL_MS + 2000);
    await waitFor(() => ipsOf(n1, 'web').length === 0, 'web to leave network ips', 3 * INTERVAL_MS + 2000);
    assert.ok(Date.now() - killed <= 3 * INTERVAL_MS + 2000);
    // its container still runs and is still known locally: the hook does not need the daemon
    await n3.start();
    await waitFor(() => nodesOf(n1).length === 2 && ipsOf(n1, 'web')[0]?.node === 'n3', 'n3 back with web');

    await redis.stop();
    // both nodes keep serving local data while Redis is away
    assert.deepEqual(nodesOf(n1), ['n1']);
    assert.equal(ipsOf(n3, 'web')[0]?.node, 'n3');
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
    await redis.start();
    const back = Date.now();
    await waitFor(
      () => nodesOf(n1).length === 2 && ipsOf(n1, 'web').length === 1,
      'registry whole after restart',
    );
    assert.ok(Date.now() - back < 6000, 'within the reconnect backoff and one interval');
    // each node logged the outage once, and the reconnect once
    for (const n of [n1, n3]) {
      const count = (what: string) =>
        n.daemon
          .log()
          .split('\n')
          .filter((l) => l.includes(what)).length;
      await waitFor(() => count('"msg":"redis connected"') === 2, `${n.name} to log the reconnect`, 3000);
      assert.equal(count('redis unavailable'), 1, n.daemon.log());
    }

    assert.equal(redis.cli(['flushall']).out.trim(), 'OK');
    const flushed = Date.now();
    await waitFor(
      () => nodesOf(n1).length === 2 && ipsOf(n1, 'web').length === 1,
      'registry whole after FLUSHALL',
    );
    assert.ok(Date.now() - flushed <= INTERVAL_MS + 1000, `healed in ${Date.now() - flushed} ms`);
  });

  it('redis down at start: local service at once, joins when redis appears; garbage under the keys is ignored', async (t) => {
    const dir = tmpDir(t);
    const redis = await startRedis(t, dir);
    await redis.stop();
    const n1 = await node(t, dir, 'n1', redis.url);
    await n1.run('web');
    assert.deepEqual(nodesOf(n1), ['n1']);
    assert.equal(ipsOf(n1, 'web')[0]?.node, 'n1');
    await waitFor(() => /redis not reachable yet/.test(n1.daemon.log()), 'a log line for the outage');
    await redis.start();
    const n2 = await node(t, dir, 'n2', redis.url);
    await waitFor(() => nodesOf(n2).length === 2 && ipsOf(n2, 'web')[0]?.node === 'n1', 'n1 joined');

    // garbage: a node entry that is not JSON, one of the wrong shape, rows that are not rows,
    // and a shared key of the wrong type
    const far = String(Date.now() + 3_600_000);
    redis.cli(['zadd', 'circuit:nodes', far, 'bogus', far, 'shape']);
    redis.cli(['set', 'circuit:node:bogus', 'not json{']);
    redis.cli(['set', 'circuit:node:shape', '{"name":42}']);
    redis.cli(['zadd', 'circuit:name:web', far, 'ghost']);
    redis.cli(['set', 'circuit:att:ghost:web', '[{"network":1}]']);
    assert.deepEqual(nodesOf(n2), ['n1', 'n2']);
    assert.deepEqual(names(ipsOf(n2, 'web')), ['n1']);
    await waitFor(
      () => /ignoring a malformed node entry/.test(n2.daemon.log()),
      'a log line for the node entry',
    );
    await waitFor(
      () => /ignoring a malformed attachment entry/.test(n2.daemon.log()),
      'a log line for the rows',
    );
    redis.cli(['del', 'circuit:name:web']);
    redis.cli(['set', 'circuit:name:web', 'a string where a sorted set belongs']);
    redis.cli(['del', 'circuit:nodes']);
    redis.cli(['hset', 'circuit:nodes', 'x', 'y']);
    // the next heartbeat repairs the cluster's own keys
    await waitFor(
      () => nodesOf(n2).length === 2 && ipsOf(n2, 'web')[0]?.node === 'n1',
      'registry repaired',
      3 * INTERVAL_MS + 2000,
    );
    await waitFor(
      () => /replacing keys of the wrong type/.test(n1.daemon.log()),
      'a log line for the repair',
    );
    for (const n of [n1, n2]) assert.equal(n.daemon.proc.exitCode, null, 'still running');
  });

  it('DNS: a container resolves CONTAINER.NETWORK[.circuit] of a container on another node; NXDOMAIN for unknown', async (t) => {
    const dir = tmpDir(t);
    const redis = await startRedis(t, dir);
    const n3 = await node(t, dir, 'n3', redis.url);
    await n3.run('web');
    const web = ipsOf(n3, 'web')[0]?.ip ?? '';
    assert.ok(web);
    // n1 serves DNS on its bridge's gateway, before the bridge exists (bound once it appears)
    const n1 = await node(t, dir, 'n1', redis.url, (gw) => ['--dns', `${gw}:53`]);
    await waitFor(() => /address not on this host yet/.test(n1.daemon.log()), 'a log line for the address');
    await n1.run('client');
    await waitFor(() => n1.daemon.log().includes('"msg":"dns: listening"'), 'DNS bound to the gateway', 5000);
    await waitFor(() => ipsOf(n1, 'web').length === 1, 'web visible from n1');
    const lookup = (name: string, type = 'a') =>
      n1.rc.exec('client', ['nslookup', `-type=${type}`, name, n1.gateway]);
    for (const name of [`web.${NET}.circuit`, `web.${NET}`]) {
      const r = lookup(name);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, new RegExp(`Address: ${web.replace(/\./g, '\\.')}`), r.out);
    }
    const nx = lookup(`nope.${NET}.circuit`);
    assert.notEqual(nx.code, 0);
    assert.match(nx.out + nx.err, /NXDOMAIN/);
    const outside = lookup('example.org');
    assert.match(outside.out + outside.err, /REFUSED/);
    const aaaa = lookup(`web.${NET}.circuit`, 'aaaa');
    assert.doesNotMatch(aaaa.out, new RegExp(web.replace(/\./g, '\\.')));
  });
});
