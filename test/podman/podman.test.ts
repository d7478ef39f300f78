// podman (Debian's 4.3, runc) running circuit through hooks.d: `circuit hooks install` files in a
// private --hooks-dir, containers on circuit networks and topologies, every way a container ends
// leaves nothing, a podman network is refused, a container without the annotations is never seen.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { type BridgeNet, bridgeNetwork } from '../helpers/cni';
import { hasPodman, type Podman, podmanEnv, ulimitFlags } from '../helpers/podman';
import { circuit, defer, links, netns, subnet, tmpDir, trySh, uid } from '../helpers/sys';

const skip = hasPodman() ? false : 'podman is not installed (scripts/install-deps.sh)';

interface Lab {
  p: Podman;
  net: BridgeNet;
  cli: (args: string[]) => { code: number; out: string; err: string };
  hookLog: () => Record<string, unknown>[];
}

function lab(t: TestContext): Lab {
  const dir = tmpDir(t, 'circuit-podman-');
  const p = podmanEnv(t, dir);
  const net = bridgeNetwork(t, dir);
  const cli = (args: string[]) => circuit(args, { stateDir: p.stateDir });
  const created = cli(['network', 'create', net.file]);
  assert.equal(created.code, 0, created.err);
  const hookLog = () => {
    const f = join(p.stateDir, 'hook.log');
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { p, net, cli, hookLog };
}

const audit = (l: Lab, ids: string[]) =>
  leakAudit({ stateDir: l.p.stateDir, nets: [l.net], containerIds: ids });

/** Wait (a podman stop's cleanup runs the poststop hook from conmon, after the command returns). */
async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const records = (l: Lab) => {
  const d = join(l.p.stateDir, 'containers');
  return existsSync(d)
    ? trySh(['ls', d])
        .out.split('\n')
        .filter((f) => f.endsWith('.json'))
    : [];
};

describe('podman through hooks.d (real podman, runc)', { skip, timeout: 240_000 }, () => {
  it('two containers on a circuit network ping each other; a static IP; podman names and ids in ips and list', async (t) => {
    const l = lab(t);
    const [a, b] = [`pa${uid()}`, `pb${uid()}`];
    const ida = await l.p.start(a, { 'io.circuit.network': l.net.name });
    const idb = await l.p.start(b, {
      'io.circuit.network': l.net.name,
      'io.circuit.ip': `${l.net.prefix}.77/24`,
    });
    defer(t, () => void l.p.run(['rm', '-f', '-t', '0', a, b]));

    // the interface exists before the process starts: the first thing the container sees
    const addr = l.p.run(['exec', b, 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
    assert.match(addr.out, new RegExp(`inet ${l.net.prefix.replace(/\./g, '\\.')}\\.77/24`), addr.err);

    const ipsByName = l.cli(['network', 'ips', a, '--json']);
    assert.equal(ipsByName.code, 0, ipsByName.err);
    const ipa = (JSON.parse(ipsByName.out) as { ip: string }[])[0]?.ip ?? '';
    assert.ok(ipa.startsWith(`${l.net.prefix}.`), ipsByName.out);
    for (const spec of [ida, ida.slice(0, 12)]) {
      const r = l.cli(['network', 'ips', spec, '--json']);
      assert.equal(r.code, 0, `by id ${spec}: ${r.err}`);
      assert.equal((JSON.parse(r.out) as { ip: string }[])[0]?.ip, ipa);
    }
    const ping = l.p.run(['exec', b, 'ping', '-c', '1', '-W', '2', ipa]);
    assert.equal(ping.code, 0, ping.out + ping.err);
    const back = l.p.run(['exec', a, 'ping', '-c', '1', '-W', '2', `${l.net.prefix}.77`]);
    assert.equal(back.code, 0, back.out + back.err);

    const list = l.cli(['network', 'list']);
    assert.match(list.out, new RegExp(`\\(podman ${a}\\)`));
    assert.match(list.out, new RegExp(`${l.net.prefix.replace(/\./g, '\\.')}\\.77 \\(podman ${b}\\)`));
    const peers = (
      JSON.parse(l.cli(['network', 'list', '--json']).out) as {
        name: string;
        peers: { container: string; name?: string; runtime?: string }[];
      }[]
    ).find((n) => n.name === l.net.name)?.peers;
    assert.deepEqual(
      peers?.map((p) => [p.container, p.name, p.runtime]).sort(),
      [
        [ida, a, 'podman'],
        [idb, b, 'podman'],
      ].sort(),
    );
    const rec = JSON.parse(readFileSync(join(l.p.stateDir, 'containers', `${ida}.json`), 'utf8'));
    assert.equal(rec.source, 'podman');
    assert.equal(rec.name, a);

    const rm = l.p.run(['rm', '-f', '-t', '0', a, b]);
    assert.equal(rm.code, 0, rm.err);
    await until('both records gone', () => records(l).length === 0);
    audit(l, [ida, idb]);
  });

  it('--rm, stop, kill and rm -f each leave no lease, veth, record or rule; restart attaches again', async (t) => {
    const l = lab(t);
    const ann = { 'io.circuit.network': l.net.name };
    const ids: string[] = [];

    // --rm (attached: podman run waits for `true` and removes the container itself)
    const once = await l.p.spawn([
      'run',
      '--rm',
      '--network',
      'none',
      ...ulimitFlags(),
      '--annotation',
      `io.circuit.network=${l.net.name}`,
      l.p.image,
      'ip',
      '-4',
      '-o',
      'addr',
      'show',
      'eth0',
    ]);
    assert.equal(once.code, 0, once.err);
    assert.match(once.out, new RegExp(`inet ${l.net.prefix.replace(/\./g, '\\.')}\\.`));
    await until('--rm released', () => records(l).length === 0);
    audit(l, []);

    const [s, k, f] = [`ps${uid()}`, `pk${uid()}`, `pf${uid()}`];
    defer(t, () => void l.p.run(['rm', '-f', '-t', '0', s, k, f]));
    ids.push(await l.p.start(s, ann), await l.p.start(k, ann), await l.p.start(f, ann));
    assert.equal(records(l).length, 3);

    assert.equal(l.p.run(['stop', '-t', '0', s]).code, 0);
    await until('stop released', () => !records(l).includes(`${ids[0]}.json`));
    // a stopped container started again gets its network back (same id, a new netns)
    assert.equal(l.p.run(['start', s]).code, 0);
    assert.ok(records(l).includes(`${ids[0]}.json`), 'attached again at start');
    assert.equal(l.cli(['network', 'ips', s]).code, 0);
    assert.equal(l.p.run(['stop', '-t', '0', s]).code, 0);

    assert.equal(l.p.run(['kill', k]).code, 0);
    await until('kill released', () => !records(l).includes(`${ids[1]}.json`));
    assert.equal(l.p.run(['rm', '-f', '-t', '0', f]).code, 0);
    await until('all released', () => records(l).length === 0);
    assert.equal(l.p.run(['rm', '-f', s, k]).code, 0);
    audit(l, ids);
    const dels = l.hookLog().filter((e) => e.action === 'del' && e.ok === true);
    assert.ok(dels.length >= 5, `one DEL per end: ${JSON.stringify(dels)}`);
  });

  it('a podman network is refused with one line podman prints; a container without annotations is never seen', async (t) => {
    const l = lab(t);
    const ns = netns(t);
    const name = `pn${uid()}`;
    const r = await l.p.spawn([
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      `ns:${ns.path}`,
      ...ulimitFlags(),
      '--annotation',
      `io.circuit.network=${l.net.name}`,
      l.p.image,
      'true',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.err,
      new RegExp(
        `circuit: podman container ${name} has a podman network \\(netns ${ns.path}\\); circuit attaches only containers run with --network none`,
      ),
    );
    const host = await l.p.spawn([
      'run',
      '--rm',
      '--network',
      'host',
      ...ulimitFlags(),
      '--annotation',
      `io.circuit.network=${l.net.name}`,
      l.p.image,
      'true',
    ]);
    assert.notEqual(host.code, 0);
    assert.match(
      host.err,
      /circuit: container [0-9a-f]{64} shares the host network namespace; circuit will not attach it/,
    );
    audit(l, []);

    const plain = `pp${uid()}`;
    const id = await l.p.start(plain, {});
    defer(t, () => void l.p.run(['rm', '-f', '-t', '0', plain]));
    assert.equal(l.p.run(['stop', '-t', '0', plain]).code, 0);
    assert.equal(
      l.hookLog().some((e) => e.container === id),
      false,
      'the when clause kept circuit out of it (no hook log entry at all)',
    );
    assert.deepEqual(records(l), []);
  });

  it('a topology link from a podman container (by its podman name); commands at poststart; gone at stop', async (t) => {
    const l = lab(t);
    const [a, b] = [`ta${uid()}`, `tb${uid()}`];
    const br = `pt${uid()}`;
    const p = subnet().prefix;
    const file = join(l.p.dir, 'topo.yaml');
    writeFileSync(
      file,
      `links:
  - {container: ${a}, bridge: ${br}, ip: ${p}.1/24}
  - {container: ${b}, dev: eth1, bridge: ${br}, ip: ${p}.2/24}
commands:
  - {container: ${a}, command: "echo started > /tmp/started"}
`,
    );
    defer(t, () => void trySh(['ip', 'link', 'del', br]));
    defer(t, () => void l.p.run(['rm', '-f', '-t', '0', a, b]));
    // a: topology only; b: topology and a circuit network
    await l.p.start(a, { 'io.circuit.topology': file });
    await l.p.start(b, { 'io.circuit.topology': file, 'io.circuit.network': l.net.name });
    assert.ok(links().includes(br), 'the topology bridge exists');
    const ping = l.p.run(['exec', b, 'ping', '-c', '1', '-W', '2', `${p}.1`]);
    assert.equal(ping.code, 0, ping.out + ping.err);
    await until(
      'the poststart command ran',
      () => l.p.run(['exec', a, 'cat', '/tmp/started']).out === 'started\n',
    );
    assert.match(
      l.p.run(['exec', b, 'ip', '-o', 'link']).out,
      /eth1/,
      'CNI network as eth0, the link next to it',
    );

    assert.equal(l.p.run(['stop', '-t', '0', a, b]).code, 0);
    await until('bridge removed', () => !links().includes(br));
    await until('records gone', () => records(l).length === 0);
    const topoDir = join(l.p.stateDir, 'topology/containers');
    assert.deepEqual(existsSync(topoDir) ? trySh(['ls', topoDir]).out.trim() : '', '');
    audit(l, []);
  });
});
