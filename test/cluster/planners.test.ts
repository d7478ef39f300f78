// Pure parts of the cluster: what a node publishes, how Redis data is read back, the key layout.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Keys } from '../../src/cluster/keys';
import { checkRedisUrl } from '../../src/cluster/redis-url';
import { attRowsSchema, nodeInfoSchema, parseStored } from '../../src/cluster/schemas';
import { containerName, snapshot } from '../../src/cluster/snapshot';
import type { ContainerRecord } from '../../src/state/schemas';
import { circuit, tmpDir } from '../helpers/sys';

const att = (network: string, status: 'attached' | 'adding' | 'failed', ips: string[], ifName = 'eth0') => ({
  network,
  ifName,
  status,
  ips,
  updatedAt: '2026-11-22T00:00:00Z',
});

const rec = (id: string, extra: Partial<ContainerRecord>): ContainerRecord => ({
  id,
  netns: { path: `/proc/1/ns/net` },
  source: 'hook',
  createdAt: '2026-11-22T00:00:00Z',
  attachments: [],
  ...extra,
});

describe('cluster snapshot', () => {
  it('publishes attached rows by container name, one row per address, runtime and id kept', () => {
    const snap = snapshot([
      rec('abc', {
        attachments: [att('a', 'attached', ['198.18.1.2/24', 'fd00::2/64']), att('b', 'adding', [])],
      }),
      rec('ctrd.default.web', {
        source: 'containerd',
        name: 'web',
        namespace: 'default',
        attachments: [att('a', 'attached', ['198.18.1.3/24'], 'eth1')],
      }),
      rec('idle', { attachments: [att('a', 'failed', ['198.18.1.9/24'])] }),
      rec('docker.0123456789ab', {
        source: 'docker',
        name: 'shop',
        attachments: [att('front', 'attached', ['198.18.2.2/24'])],
      }),
    ]);
    assert.equal(snap.get('shop')?.[0]?.runtime, 'docker');
    assert.deepEqual([...snap.keys()].sort(), ['abc', 'shop', 'web']);
    assert.deepEqual(
      snap.get('abc')?.map((r) => [r.network, r.ip, r.cidr, r.runtime]),
      [
        ['a', '198.18.1.2', '198.18.1.2/24', 'runc'],
        ['a', 'fd00::2', 'fd00::2/64', 'runc'],
      ],
    );
    assert.deepEqual(snap.get('web')?.[0], {
      network: 'a',
      ip: '198.18.1.3',
      cidr: '198.18.1.3/24',
      interface: 'eth1',
      status: 'attached',
      runtime: 'containerd',
      id: 'ctrd.default.web',
    });
    for (const rows of snap.values()) assert.ok(attRowsSchema.safeParse(rows).success);
  });

  it('podman containers publish under their podman name with runtime podman', () => {
    const id = 'f'.repeat(64);
    const snap = snapshot([
      rec(id, { source: 'podman', name: 'web', attachments: [att('a', 'attached', ['198.18.1.4/24'])] }),
    ]);
    assert.deepEqual(
      snap.get('web')?.map((r) => [r.runtime, r.id, r.ip]),
      [['podman', id, '198.18.1.4']],
    );
  });

  it('an attachment without addresses still shows (ip empty); names fall back to the id', () => {
    const snap = snapshot([rec('x', { attachments: [att('l2', 'attached', [])] })]);
    assert.equal(snap.get('x')?.[0]?.ip, '');
    assert.equal(containerName(rec('x', {})), 'x');
    assert.equal(containerName(rec('ctrd.ns.y', { name: 'y' })), 'y');
  });
});

describe('Redis data is untrusted', () => {
  it('missing → undefined, not JSON / wrong shape → a reason, never a throw', () => {
    assert.equal(parseStored(nodeInfoSchema, null), undefined);
    assert.deepEqual(parseStored(nodeInfoSchema, 'not json{'), { ok: false, why: 'not JSON' });
    const shape = parseStored(nodeInfoSchema, '{"name":42}');
    assert.equal(shape?.ok, false);
    assert.equal(parseStored(attRowsSchema, JSON.stringify(Array(65).fill({})))?.ok, false);
    const good = {
      name: 'n1',
      version: '0.1.0',
      cpus: 2,
      memory: 1,
      uptime: 3,
      kernel: '6.1',
      address: 'unix:///run/circuit/circuit.sock',
      containers: 0,
      lastSeen: 'now',
    };
    assert.deepEqual(parseStored(nodeInfoSchema, JSON.stringify(good)), { ok: true, value: good });
  });

  it('key layout: one prefix, no key needs a scan to find', () => {
    const k = new Keys();
    assert.deepEqual(
      [k.nodes(), k.node('n1'), k.nodeNames('n1'), k.name('web'), k.att('n1', 'web')],
      ['circuit:nodes', 'circuit:node:n1', 'circuit:node:n1:names', 'circuit:name:web', 'circuit:att:n1:web'],
    );
  });

  it('--redis-url: redis:// or rediss://, database number path, one clear line otherwise', () => {
    for (const ok of ['redis://127.0.0.1:6379', 'rediss://:pw@h:6380/2', 'redis://h/0'])
      assert.doesNotThrow(() => checkRedisUrl(ok));
    assert.throws(() => checkRedisUrl('127.0.0.1:6379'), /is not a URL \(redis:\/\/host:6379\)/);
    assert.throws(() => checkRedisUrl('nope'), /is not a URL/);
    assert.throws(() => checkRedisUrl('http://h:1'), /scheme must be redis:\/\/ or rediss:\/\//);
    assert.throws(() => checkRedisUrl('redis://h/abc'), /database number/);
  });

  it('bad cluster and DNS flags: one line, exit 2, nothing created', (t) => {
    const dir = tmpDir(t);
    const sock = join(dir, 'api.sock');
    for (const [flags, msg] of [
      [['--redis-url', 'http://h:1'], /^circuit: --redis-url: scheme must be/],
      [['--redis-url', 'redis://h', '--node-name', 'bad name'], /^circuit: --node-name: invalid node name/],
      [
        ['--redis-url', 'redis://h', '--cluster-interval', '1ms'],
        /^circuit: --cluster-interval: expected 100ms to 10m/,
      ],
      [['--dns-domain', 'x'], /^circuit: --dns-domain and --dns-upstream need --dns ADDR:PORT/],
      [['--dns', '198.18.0.1'], /^circuit: --dns: expected IP:PORT/],
      [['--dns', '127.0.0.1:0'], /^circuit: --dns: expected IP:PORT/],
      [['--dns', '127.0.0.1:5353', '--dns-domain', 'bad..x'], /^circuit: --dns-domain: invalid domain/],
    ] as const) {
      const r = circuit([
        'server',
        '--address',
        `unix://${sock}`,
        '--state-dir',
        join(dir, 'state'),
        ...flags,
      ]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.err}`);
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.equal(existsSync(sock), false);
    }
  });
});
