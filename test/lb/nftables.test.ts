// nftables backend on the host kernel: real HTTP through a VIP to busybox httpd backends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lbLab, near, requests } from '../helpers/lb';
import { trySh } from '../helpers/sys';

const tableGone = () => trySh(['nft', 'list', 'table', 'inet', 'circuit']).code !== 0;

describe('lb nftables backend (host kernel)', { timeout: 240_000 }, () => {
  it('rr spreads evenly, wrr follows weights, remove stops traffic, weight 0 drains, delete leaves no rule', async (t) => {
    const lab = await lbLab(t);
    const { client, backends, vip } = lab;
    const [b0, b1, b2] = backends as [(typeof backends)[0], (typeof backends)[0], (typeof backends)[0]];
    const url = `http://${vip}:80/`;

    const c = lab.cli(['lb', 'create', 'web', `${vip}:80`]);
    assert.equal(c.code, 0, c.err);
    assert.equal(c.out, 'service web created\n');
    assert.match(c.err, /backend: nftables \(no IPVS in this kernel\)/);
    const add = lab.cli(['lb', 'add', 'web', `${b0.ip}:8080`, `${b1.ip}:8080`, `${b2.ip}:8080`]);
    assert.equal(add.code, 0, add.err);
    assert.equal(add.out, 'service web updated\n');

    const rr = requests(client, url, 300);
    for (const name of ['backend0', 'backend1', 'backend2']) near(rr[name], 100);

    const list = lab.cli(['lb', 'list', '--details']);
    assert.equal(
      list.out,
      `NAME                ADDR                PROTOCOL            SCHEDULER\nweb                 ${`${vip}:80`.padEnd(20)}tcp                 rr\n  -> ${b0.ip}:8080\n  -> ${b1.ip}:8080\n  -> ${b2.ip}:8080\n`,
    );
    const stats = JSON.parse(lab.cli(['lb', 'stats', 'web', '--json']).out) as { connections: number }[];
    assert.equal(
      stats.reduce((a, s) => a + s.connections, 0),
      300,
    );

    // wrr with weights 1:2:3 (re-create the service with another scheduler)
    assert.equal(lab.cli(['lb', 'delete', 'web']).code, 0);
    assert.ok(tableGone(), 'lb delete leaves no table');
    assert.equal(lab.cli(['lb', 'create', 'web', `${vip}:80`, '--scheduler', 'wrr']).code, 0);
    assert.equal(lab.cli(['lb', 'add', 'web', `${b0.ip}:8080`, '--weight', '1']).code, 0);
    assert.equal(lab.cli(['lb', 'add', 'web', `${b1.ip}:8080`, '--weight', '2']).code, 0);
    assert.equal(lab.cli(['lb', 'add', 'web', `${b2.ip}:8080`, '--weight', '3']).code, 0);
    const wrr = requests(client, url, 300);
    near(wrr.backend0, 50);
    near(wrr.backend1, 100);
    near(wrr.backend2, 150);

    // remove one: no more traffic to it; removing it again is fine
    assert.equal(lab.cli(['lb', 'remove', 'web', `${b2.ip}:8080`]).code, 0);
    assert.equal(lab.cli(['lb', 'remove', 'web', `${b2.ip}:8080`]).code, 0);
    const removed = requests(client, url, 60);
    assert.equal(removed.backend2, undefined);
    assert.equal(removed.error, undefined);

    // weight 0 drains: no new connections
    assert.equal(lab.cli(['lb', 'add', 'web', `${b1.ip}:8080`, '--weight', '0']).code, 0);
    const drained = requests(client, url, 30);
    assert.deepEqual(drained, { backend0: 30 });

    // adding an existing target again is fine; an identical create is fine; a conflicting one is not
    assert.equal(lab.cli(['lb', 'add', 'web', `${b0.ip}:8080`]).code, 0);
    assert.equal(
      lab.cli(['lb', 'create', 'web', `${vip}:80`, '--scheduler', 'wrr']).out,
      'service web already exists\n',
    );
    const conflict = lab.cli(['lb', 'create', 'web', `${vip}:80`, '--scheduler', 'sh']);
    assert.equal(conflict.code, 4);
    assert.match(conflict.err, /already exists with different settings/);

    // restore after someone flushed our table
    trySh(['nft', 'delete', 'table', 'inet', 'circuit']);
    assert.equal(requests(client, url, 3).error, 3, 'nothing answers after the flush');
    assert.equal(lab.cli(['lb', 'restore']).out, '1 service(s) restored\n');
    assert.deepEqual(requests(client, url, 10), { backend0: 10 });

    assert.equal(lab.cli(['lb', 'delete', 'web']).out, 'service web removed\n');
    assert.match(lab.cli(['lb', 'delete', 'web']).out, /does not exist; nothing to delete/);
    assert.ok(tableGone());
    assert.equal(
      lab.cli(['lb', 'list']).out,
      'NAME                ADDR                PROTOCOL            SCHEDULER\n',
    );
  });

  it('sh keeps a client on one backend; unsupported schedulers and options are clear errors', async (t) => {
    const lab = await lbLab(t, 2);
    const [b0, b1] = lab.backends as [(typeof lab.backends)[0], (typeof lab.backends)[0]];
    assert.equal(lab.cli(['lb', 'create', 'sticky', `${lab.vip}:80`, '--scheduler', 'sh']).code, 0);
    assert.equal(lab.cli(['lb', 'add', 'sticky', `${b0.ip}:8080`, `${b1.ip}:8080`]).code, 0);
    const seen = requests(lab.client, `http://${lab.vip}/`, 20);
    assert.equal(Object.keys(seen).length, 1, JSON.stringify(seen));
    for (const [args, re] of [
      [
        ['lb', 'create', 'x', `${lab.vip}:81`, '--scheduler', 'lc', '--backend', 'nftables'],
        /scheduler lc is not supported by the nftables backend/,
      ],
      [
        ['lb', 'create', 'x', `${lab.vip}:81`, '--persistent', '60', '--backend', 'nftables'],
        /--persistent needs the ipvs backend/,
      ],
      [
        ['lb', 'create', 'x', `${lab.vip}:81`, '--forward', 'tunnel', '--backend', 'nftables'],
        /--forward tunnel needs the ipvs backend/,
      ],
      [['lb', 'create', 'x', `${lab.vip}:81`, '--backend', 'ipvs'], /no IPVS/],
      [['lb', 'create', 'x', '198.19.0.1'], /invalid VIP/],
      [['lb', 'create', 'x', `${lab.vip}:81`, '--scheduler', 'fastest'], /--scheduler/],
      [['lb', 'add', 'nosuch', `${b0.ip}:80`], /service nosuch not found/],
      [['lb', 'add', 'sticky', '[fd00::1]:80'], /address family/],
      [['lb', 'add', 'sticky', `${b0.ip}:8080`, '--weight=-1'], /--weight/],
      [['lb', 'create', 'other', `${lab.vip}:80`], /already used by service sticky/],
    ] as const) {
      const r = lab.cli([...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, re, args.join(' '));
    }
  });
});
