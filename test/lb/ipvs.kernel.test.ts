// Kernel lane: the IPVS backend with real HTTP traffic, and restore after `ipvsadm -C`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lbLab, near, requests } from '../helpers/lb';
import { sh, trySh } from '../helpers/sys';

describe('lb ipvs backend (kernel lane)', { timeout: 400_000 }, () => {
  it('rr, wrr, remove, drain, restore after ipvsadm -C, delete leaves nothing', async (t) => {
    const lab = await lbLab(t);
    const { client, backends, vip } = lab;
    const [b0, b1, b2] = backends as [(typeof backends)[0], (typeof backends)[0], (typeof backends)[0]];
    const url = `http://${vip}:80/`;
    const c = lab.cli(['lb', 'create', 'web', `${vip}:80`]);
    assert.equal(c.code, 0, c.err);
    assert.match(c.err, /backend: ipvs/);
    assert.equal(lab.cli(['lb', 'add', 'web', `${b0.ip}:8080`, `${b1.ip}:8080`, `${b2.ip}:8080`]).code, 0);
    assert.match(sh(['ipvsadm', '-Ln']), new RegExp(`TCP\\s+${vip.replace(/\./g, '\\.')}:80 rr`));

    const rr = requests(client, url, 300);
    for (const name of ['backend0', 'backend1', 'backend2']) near(rr[name], 100);
    const stats = JSON.parse(lab.cli(['lb', 'stats', 'web', '--json']).out) as { connections: number }[];
    assert.equal(
      stats.reduce((a, s) => a + s.connections, 0),
      300,
    );

    assert.equal(lab.cli(['lb', 'delete', 'web']).code, 0);
    assert.equal(lab.cli(['lb', 'create', 'web', `${vip}:80`, '--scheduler', 'wrr']).code, 0);
    for (const [b, w] of [
      [b0, '1'],
      [b1, '2'],
      [b2, '3'],
    ] as const) {
      assert.equal(lab.cli(['lb', 'add', 'web', `${b.ip}:8080`, '--weight', w]).code, 0);
    }
    const wrr = requests(client, url, 300);
    near(wrr.backend0, 50);
    near(wrr.backend1, 100);
    near(wrr.backend2, 150);

    assert.equal(lab.cli(['lb', 'remove', 'web', `${b2.ip}:8080`]).code, 0);
    assert.equal(requests(client, url, 12).backend2, undefined);
    assert.equal(lab.cli(['lb', 'add', 'web', `${b1.ip}:8080`, '--weight', '0']).code, 0);
    assert.deepEqual(requests(client, url, 8), { backend0: 8 });

    sh(['ipvsadm', '-C']);
    assert.equal(requests(client, url, 2).error, 2, 'nothing answers after the flush');
    assert.equal(lab.cli(['lb', 'restore']).out, '1 service(s) restored\n');
    assert.deepEqual(requests(client, url, 5), { backend0: 5 });

    assert.equal(lab.cli(['lb', 'delete', 'web']).code, 0);
    assert.doesNotMatch(sh(['ipvsadm', '-Ln']), /TCP/);
    assert.notEqual(trySh(['ip', 'link', 'show', 'circuit-lb0']).code, 0, 'VIP link removed');
    assert.notEqual(trySh(['nft', 'list', 'table', 'inet', 'circuit']).code, 0, 'nft table removed');
  });

  it('every IPVS scheduler the kernel has can be used', async (t) => {
    const lab = await lbLab(t, 1);
    for (const [i, s] of [
      'rr',
      'wrr',
      'lc',
      'wlc',
      'lblc',
      'lblcr',
      'dh',
      'sh',
      'sed',
      'nq',
      'mh',
    ].entries()) {
      trySh(['modprobe', `ip_vs_${s}`]);
      const r = lab.cli([
        'lb',
        'create',
        `s-${s}`,
        `${lab.vip}:${1000 + i}`,
        '--scheduler',
        s,
        '--persistent',
        '30',
      ]);
      assert.equal(r.code, 0, `${s}: ${r.err}`);
    }
    assert.equal((sh(['ipvsadm', '-Ln']).match(/persistent 30/g) ?? []).length, 11);
    assert.equal(lab.cli(['lb', 'clear']).out, '11 service(s) removed\n');
  });
});
