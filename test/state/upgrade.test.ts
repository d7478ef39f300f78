// A state dir written by format-1 code (the code as of commit FORMAT1, run from git) is upgraded in
// place on first locked use: ledgers merged, fake Docker cache entries replaced by the record's
// hostDevice, libcni cache names renamed; a second run changes nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ownedLedger } from '../../src/state/owned';
import { StateStore } from '../../src/state/store';
import { upgradeState } from '../../src/state/upgrade';
import { topologyRecords } from '../../src/topology/records';
import { ROOT, tmpDir } from '../helpers/sys';

/** The last commit that wrote format 1 (no `state-format` marker). */
const FORMAT1 = '4e0fe3f';

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length + 1)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Today's (format-1) source tree, importable (node_modules linked in). */
function oldTree(dir: string): string {
  const root = join(dir, 'format1');
  mkdirSync(root);
  const tar = execFileSync('git', ['-C', ROOT, 'archive', FORMAT1, 'src'], { maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', root], { input: tar });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

const load = (root: string, rel: string) => import(pathToFileURL(join(root, rel)).href);

describe('state upgrade from format 1', () => {
  it('upgrades in place on first use, once, idempotently', async (t) => {
    const dir = tmpDir(t);
    const old = oldTree(dir);
    const stateDir = join(dir, 'state');

    // --- what format-1 code writes, written by that code -------------------------------------
    const { StateStore: OldStore } = await load(old, 'src/state/store.ts');
    const { topologyRecords: oldTopology } = await load(old, 'src/topology/records.ts');
    const { dockerConflist } = await load(old, 'src/docker/sync.ts');
    const { serviceKey } = await load(old, 'src/lb/ipvs-plan.ts');
    const o = new OldStore(stateDir);
    const now = new Date().toISOString();
    const cache = (networkName: string, containerId: string, host: string) => ({
      kind: 'cniCacheV1',
      containerId,
      config: Buffer.from('{"cniVersion":"1.0.0","name":"x","plugins":[{"type":"bridge"}]}').toString(
        'base64',
      ),
      ifName: 'eth0',
      networkName,
      netns: '/var/run/netns/gone',
      result: { cniVersion: '1.0.0', interfaces: [{ name: host }, { name: 'eth0', sandbox: '/x' }] },
    });
    const att = (network: string) => ({
      network,
      ifName: 'eth0',
      status: 'attached',
      ips: [],
      updatedAt: now,
    });
    // a network name with "-": its libcni name `a-b-c-eth0` is ambiguous (also `a` + container `b-c`)
    o.putContainer({
      id: 'c',
      netns: { path: '/x' },
      source: 'hook',
      createdAt: now,
      attachments: [att('a-b')],
    });
    o.putCache(cache('a-b', 'c', 'veth1'));
    o.putContainer({
      id: 'd',
      netns: { path: '/x' },
      source: 'hook',
      createdAt: now,
      attachments: [att('n1')],
    });
    o.putCache(cache('n1', 'd', 'veth2'));
    // a Docker container as DockerSync wrote it: record + fake cache entry naming the host veth
    const dockerNet = {
      id: 'f'.repeat(64),
      bridge: 'cirdffffffffff',
      ownBridge: true,
      internal: false,
      v4: { pool: '198.18.9.0/24', gateway: '198.18.9.1' },
      createdAt: now,
    };
    const doc = dockerConflist('dnet', dockerNet);
    o.putNetwork({ name: 'dnet', config: doc, source: 'docker', createdAt: now });
    const id = 'docker.0123456789ab';
    o.putContainer({
      id,
      name: 'web',
      netns: { path: '/var/run/docker/netns/1' },
      source: 'docker',
      createdAt: now,
      attachments: [{ ...att('dnet'), mac: '02:42:c6:12:09:02' }],
    });
    o.putCache({
      kind: 'cniCacheV1',
      containerId: id,
      config: Buffer.from(JSON.stringify(doc)).toString('base64'),
      ifName: 'eth0',
      networkName: 'dnet',
      netns: '/var/run/docker/netns/1',
      result: {
        cniVersion: '1.0.0',
        interfaces: [
          { name: 'cve0123456789' },
          { name: 'eth0', mac: '02:42:c6:12:09:02', sandbox: '/var/run/docker/netns/1' },
        ],
        ips: [],
      },
    });
    // the two ledgers
    const svc = { addr: '198.18.7.1', port: 80, protocol: 'tcp' };
    o.writeJson('lb-owned.json', { ipvs: [serviceKey(svc)] });
    oldTopology.putOwned(o, [
      { kind: 'namespace', name: 'ctop' },
      { kind: 'bridge', ns: 'ctop', name: 'br0' },
      { kind: 'tunnel', ns: 'ctop', name: 'vx0', bridge: 'br0' },
    ]);
    const before = snapshot(stateDir);
    assert.ok(before['lb-owned.json'] && before['topology/owned.json'] && before['cache/results/a-b-c-eth0']);
    assert.equal(before['state-format'], undefined);

    // --- first use by this code ------------------------------------------------------------------
    const store = new StateStore(stateDir);
    assert.equal(store.format(), 1);
    await store.locked(async () => undefined);
    const after = snapshot(stateDir);
    assert.equal(after['state-format'], '2\n');
    assert.equal(after['lb-owned.json'], undefined);
    assert.equal(after['topology/owned.json'], undefined);
    assert.deepEqual(ownedLedger(store).all(), [
      { kind: 'ipvs', name: serviceKey(svc) },
      { kind: 'namespace', name: 'ctop' },
      { kind: 'bridge', ns: 'ctop', name: 'br0' },
      { kind: 'tunnel', ns: 'ctop', name: 'vx0', bridge: 'br0' },
    ]);
    assert.deepEqual(
      topologyRecords.owned(store).map((x) => x.name),
      ['ctop', 'br0', 'vx0'],
    );
    assert.deepEqual(store.cacheFiles().sort(), ['a-b:c:eth0', 'n1:d:eth0'], 'renamed; the fake entry gone');
    assert.equal(store.getCache('a-b', 'c', 'eth0')?.netns, '/var/run/netns/gone');
    assert.equal(store.getContainer(id)?.attachments[0]?.hostDevice, 'cve0123456789');
    assert.equal(store.getContainer(id)?.attachments[0]?.mac, '02:42:c6:12:09:02', 'the rest kept');
    assert.deepEqual(store.getContainer('c'), o.getContainer('c'), 'CNI records untouched');

    // --- idempotent: again by hand, and a new process's first use (the marker) ------------------
    await store.locked(async () => assert.deepEqual(upgradeState(store), []));
    assert.deepEqual(snapshot(stateDir), after);
    await new StateStore(stateDir).locked(async () => undefined);
    assert.deepEqual(snapshot(stateDir), after);
  });

  it('a corrupt format-1 file stays for gc and does not stop the rest', async (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    mkdirSync(join(dir, 'topology'), { recursive: true });
    writeFileSync(join(dir, 'lb-owned.json'), '{"ipvs": [');
    writeFileSync(
      join(dir, 'topology/owned.json'),
      JSON.stringify({ owned: [{ kind: 'bridge', name: 'b1' }] }),
    );
    const warnings: string[] = [];
    store.warn = (_msg, f) => warnings.push(f.file);
    await store.locked(async () => undefined);
    assert.deepEqual(warnings, [join(dir, 'lb-owned.json')]);
    assert.deepEqual(ownedLedger(store).all(), [{ kind: 'bridge', name: 'b1' }]);
    assert.equal(store.format(), 2);
    const { unrepairableCorrupt } = await import('../../src/state/check');
    assert.match(unrepairableCorrupt(store).join('\n'), /lb-owned\.json.*could not be merged/);
  });

  it('a new dir is marked with its first record; an undone first write leaves nothing', async (t) => {
    const dir = join(tmpDir(t), 'state');
    const store = new StateStore(dir);
    const rec = {
      id: 'c1',
      netns: { path: '/x' },
      source: 'hook' as const,
      createdAt: '',
      attachments: [{ network: 'n', ifName: 'eth0', status: 'adding' as const, ips: [], updatedAt: '' }],
    };
    await store.locked(async () => store.putContainer(rec));
    assert.equal(store.format(), 2);
    await store.locked(async () => store.removeContainer('c1'));
    assert.deepEqual(snapshot(dir), {});
    await store.locked(async () => store.putContainer(rec));
    assert.deepEqual(Object.keys(snapshot(dir)).sort(), ['containers/c1.json', 'state-format']);
  });
});
