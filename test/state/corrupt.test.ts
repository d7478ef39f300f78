// One policy for a corrupt record: many-record reads (lists, reconcile, sync, metrics, DNS lookups)
// skip it with one log line; a command that must change that very record fails with exit 6;
// `circuit gc` reports what it cannot repair and exits 6.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allContainers } from '../../src/attach/records';
import { localRecords } from '../../src/cluster/snapshot';
import { ExitCode, StateError } from '../../src/errors';
import { addTargets, listServices } from '../../src/lb/service';
import { qosDrops } from '../../src/qos/service';
import { runCommand } from '../../src/runner';
import type { ContainerRecord } from '../../src/state/schemas';
import { StateStore } from '../../src/state/store';
import { bridgeNetwork } from '../helpers/cni';
import { circuit, tmpDir } from '../helpers/sys';

const record = (id: string, network: string, extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id,
  netns: { path: '/nonexistent/netns' },
  source: 'cli',
  createdAt: new Date().toISOString(),
  attachments: [
    {
      network,
      ifName: 'eth0',
      status: 'attached',
      ips: ['198.18.250.5/24'],
      updatedAt: new Date().toISOString(),
    },
  ],
  ...extra,
});

function corrupt(stateDir: string, rel: string, text = '{"trunc'): string {
  const file = join(stateDir, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const warningLines = (err: string) =>
  err.split('\n').filter((l) => /warning: skipped a corrupt state record/.test(l));

describe('corrupt records', () => {
  it('many-record reads skip one with one log line (reconcile, cluster sync, metrics, lb list)', async (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    const warned: string[] = [];
    store.warn = (_msg, f) => warned.push(f.file);
    store.putContainer(record('good', 'n1'));
    const bad = corrupt(dir, 'containers/bad.json');
    const badSvc = corrupt(dir, 'lb/web.json', '{"name": "web"}');
    assert.deepEqual(
      allContainers(store).map((r) => r.id),
      ['good'],
      'the containerd reconcile and network list/inspect read through this',
    );
    assert.deepEqual(
      localRecords(store).map((r) => r.id),
      ['good'],
      'the cluster publisher',
    );
    assert.deepEqual(listServices(store), [], 'lb list and the metrics');
    assert.deepEqual(warned, [bad, badSvc], 'one line per corrupt file, however often it is read');
  });

  it('metrics (QoS drops) go on past a corrupt container record', async (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    store.warn = () => undefined;
    store.putContainer(record('good', 'n1'));
    corrupt(dir, 'containers/bad.json');
    store.writeJson('qos/n1.json', { network: { direction: 'egress', rate: 1000000 }, containers: {} });
    assert.deepEqual(await qosDrops(store, runCommand), []);
  });

  it('a change that must read the corrupt record fails with exit 6', async (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    corrupt(dir, 'lb/web.json', '{"name": "web"}');
    await assert.rejects(
      () => addTargets(store, runCommand, 'web', [{ addr: '198.18.250.9', port: 80, weight: 1 }]),
      (e: unknown) => e instanceof StateError && e.exitCode === ExitCode.state,
    );
  });

  it('CLI: network list and lookups go on, commands on the record exit 6, gc exits 6', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const other = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    assert.equal(circuit(['network', 'create', other.file], { stateDir }).code, 0);
    const store = new StateStore(stateDir);
    store.putContainer(record('good', net.name, { pid: process.pid, name: 'web' }));
    corrupt(stateDir, 'containers/bad.json');
    corrupt(stateDir, `networks/${other.name}.json`, '[]');

    const list = circuit(['network', 'list', '--json'], { stateDir });
    assert.equal(list.code, 0, list.err);
    const rows = JSON.parse(list.out) as { name: string; peers: { container: string }[] }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.peers.map((p) => p.container)]),
      [[net.name, ['good']]],
    );
    assert.equal(warningLines(list.err).length, 2, list.err);

    // the DNS server's lookups: by the runtime's name and by pid
    for (const spec of ['web', String(process.pid)]) {
      const ips = circuit(['network', 'ips', spec], { stateDir });
      assert.equal(ips.code, 0, ips.err);
      assert.match(ips.out, /198\.18\.250\.5/);
    }

    const rm = circuit(['network', 'rm', other.name], { stateDir });
    assert.equal(rm.code, 6, rm.err);
    assert.match(rm.err, /corrupt.*circuit gc/);
    const disc = circuit(['network', 'disconnect', 'bad', net.name], { stateDir });
    assert.equal(disc.code, 6, disc.err);
    corrupt(stateDir, `qos/${net.name}.json`);
    const qos = circuit(['network', 'qos', 'set', net.name, '--rate', '1mbit'], { stateDir });
    assert.equal(qos.code, 6, qos.err);
    corrupt(stateDir, 'lb/web.json', '{"name": "web"}');
    const lb = circuit(['lb', 'add', 'web', '198.18.250.9:80'], { stateDir });
    assert.equal(lb.code, 6, lb.err);

    const gc = circuit(['gc'], { stateDir });
    assert.equal(gc.code, 6, gc.err);
    assert.match(gc.out, /removed corrupt record of container bad/);
    for (const f of [`networks/${other.name}.json`, `qos/${net.name}.json`, 'lb/web.json'])
      assert.match(gc.out, new RegExp(`cannot repair: state file ${join(stateDir, f)} is corrupt`));
    assert.match(gc.err, /gc: cannot repair/);
  });
});
