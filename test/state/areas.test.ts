// The typed state areas: collision-free cache names, old names still read, temps swept everywhere.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { attachmentTargets } from '../../src/qos/devices';
import { ownedLedger } from '../../src/state/owned';
import { qosArea } from '../../src/state/qos';
import type { CacheEntry, ContainerRecord } from '../../src/state/schemas';
import { StateStore } from '../../src/state/store';
import { ROOT, tmpDir } from '../helpers/sys';

const entry = (networkName: string, containerId: string, ifName = 'eth0'): CacheEntry => ({
  kind: 'cniCacheV1',
  containerId,
  config: Buffer.from('{}').toString('base64'),
  ifName,
  networkName,
  result: { cniVersion: '1.0.0', interfaces: [{ name: `v-${containerId}` }] },
});

describe('state areas', () => {
  it('cache names of `a-b`+`c` and `a`+`b-c` do not collide', (t) => {
    const store = new StateStore(tmpDir(t));
    store.putCache(entry('a-b', 'c'));
    store.putCache(entry('a', 'b-c'));
    assert.deepEqual(store.cacheFiles().sort(), ['a-b:c:eth0', 'a:b-c:eth0']);
    assert.equal(store.getCache('a-b', 'c', 'eth0')?.networkName, 'a-b');
    assert.equal(store.getCache('a', 'b-c', 'eth0')?.networkName, 'a');
    store.removeCache('a', 'b-c', 'eth0');
    assert.deepEqual(store.cacheFiles(), ['a-b:c:eth0']);
  });

  it("reads a cache entry under libcni's old name only for the key it belongs to", (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    mkdirSync(join(dir, 'cache/results'), { recursive: true });
    writeFileSync(join(dir, 'cache/results/a-b-c-eth0'), JSON.stringify(entry('a-b', 'c')));
    assert.equal(store.getCache('a-b', 'c', 'eth0')?.networkName, 'a-b');
    assert.equal(store.getCache('a', 'b-c', 'eth0'), undefined, 'same old name, other key');
    store.removeCache('a', 'b-c', 'eth0');
    assert.deepEqual(store.cacheFiles(), ['a-b-c-eth0'], 'not removed for the other key');
    store.removeCache('a-b', 'c', 'eth0');
    assert.deepEqual(store.cacheFiles(), []);
  });

  it('sweeps temp files of dead writers in every area, docker/ and topology/ included', (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    const dirs = ['', 'qos', 'lb', 'docker/endpoints', 'docker/pools', 'topology', 'topology/containers'];
    for (const d of dirs) {
      mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, d, '.tmp-999999999-0a1b2c'), '{"half');
      writeFileSync(join(dir, d, `.tmp-${process.pid}-0a1b2c`), '{"busy');
    }
    const removed = store.sweepTemps((pid) => pid === process.pid);
    assert.deepEqual(
      removed,
      dirs.map((d) => (d ? `${d}/.tmp-999999999-0a1b2c` : '.tmp-999999999-0a1b2c')).sort(),
    );
    for (const d of dirs) assert.ok(readdirSync(join(dir, d)).includes(`.tmp-${process.pid}-0a1b2c`));
  });

  it('one owned-objects ledger: each area replaces only its own kinds', (t) => {
    const store = new StateStore(tmpDir(t));
    const ledger = ownedLedger(store);
    ledger.replace(['ipvs'], [{ kind: 'ipvs', name: 'tcp 198.18.0.1:80' }]);
    ledger.add([
      { kind: 'bridge', name: 'br1' },
      { kind: 'bridge', name: 'br1' },
    ]);
    ledger.replace(['ipvs'], []);
    assert.deepEqual(ledger.all(), [{ kind: 'bridge', name: 'br1' }]);
    ledger.replace(['namespace', 'bridge', 'tunnel'], []);
    assert.deepEqual(readdirSync(store.root), [], 'an empty ledger is no file');
  });

  it('a QoS file with no settings left is removed', (t) => {
    const store = new StateStore(tmpDir(t));
    qosArea(store).put('n1', { network: { direction: 'both', rate: 1000 }, containers: {} });
    assert.ok(qosArea(store).has('n1'));
    qosArea(store).put('n1', { containers: {} });
    assert.equal(qosArea(store).has('n1'), false);
  });

  it("QoS finds a Docker endpoint's host device in its record, with no cache entry", () => {
    const rec: ContainerRecord = {
      id: 'docker.0123456789ab',
      netns: { path: '/nonexistent/netns' },
      source: 'docker',
      createdAt: '',
      attachments: [
        { network: 'd', ifName: 'eth0', status: 'attached', ips: [], hostDevice: 'cve0123', updatedAt: '' },
      ],
    };
    const att = rec.attachments[0];
    assert.ok(att);
    assert.deepEqual(attachmentTargets(rec, att, undefined).host, { side: 'host', dev: 'cve0123' });
  });

  it('no raw state paths outside src/state/ (every folder goes through its area)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) {
          if (rel !== 'src/state') walk(rel);
        } else if (e.name.endsWith('.ts')) {
          const text = readFileSync(join(ROOT, rel), 'utf8');
          for (const m of text.matchAll(/\.(readJson|writeJson)\(|store\.(remove|list)\(\s*[`'"]/g))
            offenders.push(`${rel}: ${m[0]}`);
        }
      }
    };
    walk('src');
    assert.deepEqual(offenders, []);
  });
});
