// Topologies on the host kernel with runc containers: bridges, patches, VXLAN between two
// "hosts", macvlan children, nat and forward, commands, rollback, apply/delete/gc, dot.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { busyboxRootfs, type Runc, runcEnv } from '../helpers/runc';
import { circuit, defer, links, netns, sh, subnet, tmpDir, trySh, uid } from '../helpers/sys';

interface Env {
  dir: string;
  r: Runc;
  file: (yaml: string) => string;
  start: (id: string, file: string, opts?: { poststart?: boolean; hooks?: boolean }) => Promise<void>;
  show: (file: string) => { links: { container: string; dev: string; outerDev?: string }[] };
}

function setup(t: TestContext): Env {
  const dir = tmpDir(t);
  const rootfs = busyboxRootfs(dir);
  writeFileSync(join(rootfs, 'www/index.html'), 'hello from a topology\n');
  const r = runcEnv(t, dir, rootfs);
  let n = 0;
  const env: Env = {
    dir,
    r,
    file: (yaml) => {
      const f = join(dir, `topo-${++n}.yaml`);
      writeFileSync(f, yaml);
      return f;
    },
    start: async (id, file, opts = {}) => {
      const b = r.bundle({
        id,
        hookEnv: { CIRCUIT_TOPOLOGY: file },
        ...(opts.poststart ? { poststart: true } : {}),
        ...(opts.hooks === false ? { hooks: false } : {}),
      });
      defer(t, () => void r.del(id));
      const res = await r.run(id, b.bundle);
      assert.equal(res.code, 0, res.err);
    },
    show: (file) => {
      const s = circuit(['topology', 'show', '--json', file]);
      assert.equal(s.code, 0, s.err);
      return JSON.parse(s.out);
    },
  };
  return env;
}

const ping = (r: Runc, id: string, ip: string) => r.exec(id, ['ping', '-c', '1', '-W', '2', ip]);
const ownRecords = (stateDir: string) => {
  const d = join(stateDir, 'topology/containers');
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')) : [];
};

describe('topologies with runc (host kernel)', { timeout: 120_000 }, () => {
  it('two containers on a linux bridge: static IP, MAC, MTU, route; commands start httpd the other fetches; all gone after', async (t) => {
    const e = setup(t);
    const a = `ta${uid()}`;
    const b = `tb${uid()}`;
    const br = `s${uid()}`;
    const p = subnet().prefix;
    const f = e.file(`links:
  - {container: ${a}, bridge: ${br}, ip: ${p}.1/24, mac: "02:c6:12:00:00:01", mtu: 1400, route: "198.19.250.0/24 via ${p}.2"}
  - {container: ${b}, bridge: ${br}, ip: ${p}.2/24, mtu: 1400}
commands:
  - {container: ${a}, command: "httpd -p 80 -h /www"}
`);
    const outers = e.show(f).links.map((l) => l.outerDev ?? '');
    await e.start(a, f, { poststart: true });
    await e.start(b, f);
    const dev = e.r.exec(a, ['ip', '-o', 'link', 'show', 'eth0']);
    assert.match(dev.out, /mtu 1400/);
    assert.match(dev.out, /link\/ether 02:c6:12:00:00:01/);
    assert.match(e.r.exec(a, ['ip', 'route']).out, /198\.19\.250\.0\/24 via .*\.2 dev eth0/);
    assert.match(e.r.exec(b, ['ip', '-o', 'link', 'show', 'eth0']).out, /link\/ether 02:/, 'generated MAC');
    const pg = ping(e.r, a, `${p}.2`);
    assert.equal(pg.code, 0, pg.out + pg.err);
    const got = e.r.exec(b, ['wget', '-qO-', `http://${p}.1/`]);
    assert.equal(got.out, 'hello from a topology\n', got.err);
    assert.ok(links().includes(br) && outers.every((o) => links().includes(o)));
    const log = sh(['cat', join(e.r.stateDir, 'hook.log')]);
    assert.match(log, /"commands":\[\{"command":\["sh","-c","httpd -p 80 -h \/www"\],"exitCode":0/);

    e.r.del(a);
    assert.ok(links().includes(br), 'the bridge stays while a link uses it');
    e.r.del(b);
    const after = links();
    assert.ok(!after.includes(br) && outers.every((o) => !after.includes(o)), 'bridge and outer ends gone');
    assert.deepEqual(ownRecords(e.r.stateDir), []);
  });

  it('patch mode: mirred both ways, ping; a third link is refused with a clear error and nothing made', async (t) => {
    const e = setup(t);
    const [a, b, c] = [`pa${uid()}`, `pb${uid()}`, `pc${uid()}`];
    const br = `p${uid()}`;
    const p = subnet().prefix;
    const f = e.file(`bridges: [{bridge: ${br}, mode: patch}]
links:
  - {container: ${a}, bridge: ${br}, ip: ${p}.1/24}
  - {container: ${b}, bridge: ${br}, ip: ${p}.2/24}
`);
    const [oa = '', ob = ''] = e.show(f).links.map((l) => l.outerDev ?? '');
    await e.start(a, f);
    await e.start(b, f);
    assert.match(
      sh(['tc', 'filter', 'show', 'dev', oa, 'ingress']),
      new RegExp(`mirred \\(Egress Redirect to device ${ob}\\)`),
    );
    assert.match(
      sh(['tc', 'filter', 'show', 'dev', ob, 'ingress']),
      new RegExp(`mirred \\(Egress Redirect to device ${oa}\\)`),
    );
    assert.ok(!links().includes(br), 'a patch has no bridge device');
    const pg = ping(e.r, a, `${p}.2`);
    assert.equal(pg.code, 0, pg.out + pg.err);

    const before = links();
    const f3 = e.file(`bridges: [{bridge: ${br}, mode: patch}]
links:
  - {container: ${a}, bridge: ${br}}
  - {container: ${b}, bridge: ${br}}
  - {container: ${c}, bridge: ${br}}
`);
    const bundle = e.r.bundle({ id: c, hookEnv: { CIRCUIT_TOPOLOGY: f3 } });
    defer(t, () => void e.r.del(c));
    const res = await e.r.run(c, bundle.bundle);
    assert.notEqual(res.code, 0);
    assert.match(res.err, /links\[2\]\.bridge: bridge \S+ is a patch: it joins exactly two links/);
    assert.deepEqual(links(), before);
  });

  it('two "hosts" (namespaces with an underlay veth, a bridge each) joined by a VXLAN tunnel', async (t) => {
    const e = setup(t);
    const hostA = netns(t);
    const hostB = netns(t);
    const u = subnet().prefix;
    const p = subnet().prefix;
    const vni = 1000 + Math.floor(Math.random() * 9000);
    sh([
      'ip',
      'link',
      'add',
      'ul0',
      'netns',
      hostA.name,
      'type',
      'veth',
      'peer',
      'name',
      'ul0',
      'netns',
      hostB.name,
    ]);
    for (const [ns, ip] of [
      [hostA.name, `${u}.1/24`],
      [hostB.name, `${u}.2/24`],
    ] as const) {
      sh(['ip', '-n', ns, 'addr', 'add', ip, 'dev', 'ul0']);
      sh(['ip', '-n', ns, 'link', 'set', 'ul0', 'up']);
    }
    const side = (ns: string, c: string, ip: string, remote: string) =>
      e.file(`namespace: ${ns}
links: [{container: ${c}, bridge: lan, ip: ${ip}/24, mtu: 1400}]
tunnels: [{type: vxlan, bridge: lan, remote: ${remote}, vni: ${vni}}]
`);
    const [a, b] = [`va${uid()}`, `vb${uid()}`];
    await e.start(a, side(hostA.name, a, `${p}.1`, `${u}.2`));
    await e.start(b, side(hostB.name, b, `${p}.2`, `${u}.1`));
    const vx = sh(['ip', '-n', hostA.name, '-d', 'link', 'show', `vx${vni}`]);
    assert.match(vx, new RegExp(`vxlan id ${vni} remote ${u.replace(/\./g, '\\.')}\\.2`));
    assert.match(vx, /master lan/);
    const pg = ping(e.r, a, `${p}.2`);
    assert.equal(pg.code, 0, pg.out + pg.err);
    e.r.del(a);
    e.r.del(b);
    for (const ns of [hostA.name, hostB.name]) {
      const left = sh(['ip', '-n', ns, '-o', 'link', 'show']);
      assert.doesNotMatch(left, /vx\d+|lan/, `${ns}: ${left}`);
      assert.match(left, /ul0/, 'the underlay is the test’s own and stays');
    }
  });

  it('macvlan children of a parent device in a named namespace', async (t) => {
    const e = setup(t);
    const host = netns(t);
    sh(['ip', '-n', host.name, 'link', 'add', 'par0', 'type', 'veth', 'peer', 'name', 'par1']);
    sh(['ip', '-n', host.name, 'link', 'set', 'par0', 'up']);
    sh(['ip', '-n', host.name, 'link', 'set', 'par1', 'up']);
    const p = subnet().prefix;
    const [a, b] = [`ma${uid()}`, `mb${uid()}`];
    const f = e.file(`namespace: ${host.name}
links:
  - {container: ${a}, type: macvlan, outer-dev: par0, dev: mv0, ip: ${p}.1/24}
  - {container: ${b}, type: macvlan, outer-dev: par0, dev: mv0, ip: ${p}.2/24, mode: bridge}
`);
    await e.start(a, f);
    await e.start(b, f);
    assert.match(
      sh(['nsenter', `--net=/proc/${pidOf(e.r, a)}/ns/net`, 'ip', '-d', 'link', 'show', 'mv0']),
      /macvlan mode bridge/,
    );
    const pg = ping(e.r, a, `${p}.2`);
    assert.equal(pg.code, 0, pg.out + pg.err);
  });

  it('nat and forward in a namespace circuit makes: reachable from a client, removed with the container', async (t) => {
    const e = setup(t);
    const ns = `ctopo${uid()}`;
    defer(t, () => void trySh(['ip', 'netns', 'del', ns]));
    const p = subnet().prefix;
    const c = subnet().prefix;
    const natIp = `${subnet().prefix}.10`;
    const [id, client] = [`nt${uid()}`, `cl${uid()}`];
    const f = e.file(`namespace: ${ns}
links:
  - {container: ${id}, bridge: lan, ip: ${p}.2/24, route: "default via ${p}.1", nat: ${natIp}, forward: ["8080:80/tcp"]}
  - {container: ${client}, bridge: wan, ip: ${c}.2/24, route: "${natIp}/32 via ${c}.1"}
commands:
  - {container: ${id}, command: [httpd, -p, "80", -h, /www]}
`);
    await e.start(id, f, { poststart: true });
    await e.start(client, f);
    assert.ok(existsSync(`/run/netns/${ns}`), 'circuit made the namespace');
    // the namespace routes between its bridges (circuit turned forwarding on in a namespace it made)
    sh(['ip', '-n', ns, 'addr', 'add', `${p}.1/24`, 'dev', 'lan']);
    sh(['ip', '-n', ns, 'addr', 'add', `${c}.1/24`, 'dev', 'wan']);
    const wget = (url: string) => e.r.exec(client, ['wget', '-qO-', url]); // (busybox-static's wget -T segfaults);
    assert.equal(wget(`http://${c}.1:8080/`).out, 'hello from a topology\n', 'forward 8080 → 80');
    assert.equal(wget(`http://${natIp}/`).out, 'hello from a topology\n', 'nat address → container');
    assert.match(sh(['ip', 'netns', 'exec', ns, 'nft', 'list', 'tables']), /circuit_topo_/);
    e.r.del(id);
    assert.doesNotMatch(
      sh(['ip', 'netns', 'exec', ns, 'nft', 'list', 'tables']),
      /circuit_topo_/,
      'rules gone',
    );
    e.r.del(client);
    assert.equal(
      existsSync(`/run/netns/${ns}`),
      false,
      'the namespace circuit made is gone with its last link',
    );
    assert.deepEqual(ownRecords(e.r.stateDir), []);
  });

  it('a link that cannot be made: runc refuses the container and nothing is left', async (t) => {
    const e = setup(t);
    const id = `rb${uid()}`;
    const br = `r${uid()}`;
    const f = e.file(`links:
  - {container: ${id}, bridge: ${br}, ip: ${subnet().prefix}.2/24}
  - {container: ${id}, dev: eth1, type: macvlan, outer-dev: nosuch${uid(2)}}
`);
    const before = links();
    const b = e.r.bundle({ id, hookEnv: { CIRCUIT_TOPOLOGY: f } });
    defer(t, () => void e.r.del(id));
    const res = await e.r.run(id, b.bundle);
    assert.notEqual(res.code, 0);
    assert.match(res.err, /nosuch/);
    assert.deepEqual(links(), before);
    assert.deepEqual(ownRecords(e.r.stateDir), []);
  });

  it('apply and delete for running containers (idempotent); gc removes what a vanished container left', async (t) => {
    const e = setup(t);
    const id = `ap${uid()}`;
    const br = `a${uid()}`;
    const p = subnet().prefix;
    const f = e.file(`links: [{container: ${id}, bridge: ${br}, ip: ${p}.2/24}]\n`);
    await e.start(id, f, { hooks: false });
    const opts = { stateDir: e.r.stateDir };
    const cli = (...args: string[]) => circuit(['topology', ...args, '--runc-root', e.r.root, f], opts);
    assert.match(cli('apply').out, new RegExp(`${id}: applied \\(eth0\\)`));
    assert.match(cli('apply').out, new RegExp(`${id}: unchanged \\(eth0\\)`));
    assert.match(e.r.exec(id, ['ip', 'addr', 'show', 'eth0']).out, new RegExp(`${p}\\.2/24`));
    assert.match(cli('delete').out, new RegExp(`${id}: removed \\(eth0\\)`));
    assert.match(cli('delete').out, new RegExp(`${id}: nothing to remove`));
    assert.ok(!links().includes(br));
    const notRunning = circuit(
      [
        'topology',
        'apply',
        '--runc-root',
        e.r.root,
        e.file(`links: [{container: gone${uid()}, bridge: ${br}}]\n`),
      ],
      opts,
    );
    assert.match(notRunning.out, /not running/);

    assert.equal(cli('apply').code, 0);
    assert.ok(links().includes(br));
    e.r.del(id); // no hooks: nobody tells circuit
    const gc = circuit(['gc'], opts);
    assert.equal(gc.code, 0, gc.err);
    assert.match(gc.out, new RegExp(`removed topology links of ${id}`));
    assert.ok(!links().includes(br), 'gc removed the bridge only that container used');
    assert.deepEqual(ownRecords(e.r.stateDir), []);
  });

  it('dot output parses with graphviz; --svg renders without it', async (t) => {
    const e = setup(t);
    const f = e.file(`namespace: lab
links:
  - {container: r1, bridge: s1, ip: 198.18.1.1/24}
  - {container: r1, dev: eth1, type: vlan, outer-dev: eth9, vlanid: 100}
  - {container: "c\\"1", bridge: s1, netem: "delay 40ms"}
tunnels: [{type: vxlan, bridge: s1, remote: 198.18.2.2, vni: 42}]
`);
    const d = circuit(['topology', 'dot', f]);
    assert.equal(d.code, 2, 'a quote is not a container id');
    const g = e.file(`namespace: lab
links:
  - {container: r1, bridge: s1, ip: 198.18.1.1/24}
  - {container: r1, dev: eth1, type: vlan, outer-dev: eth9, vlanid: 100}
  - {container: c1, bridge: s1, netem: "delay 40ms"}
tunnels: [{type: vxlan, bridge: s1, remote: 198.18.2.2, vni: 42}]
`);
    const dot = circuit(['topology', 'dot', g]);
    assert.equal(dot.code, 0, dot.err);
    assert.match(dot.out, /vlan 100/);
    const svg = sh(['dot', '-Tsvg'], dot.out);
    assert.match(svg, /<svg/);
    const own = circuit(['topology', 'dot', '--svg', g]);
    assert.equal(own.code, 0, own.err);
    assert.match(own.out, /^<\?xml[\s\S]*<svg[\s\S]*container r1/);
  });
});

function pidOf(r: Runc, id: string): number {
  return (JSON.parse(sh(['runc', '--root', r.root, 'state', id])) as { pid: number }).pid;
}
