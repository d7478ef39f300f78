// HTB shaping on the host kernel, measured with iperf3 between test netns.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { iperfMbit, iperfServer, qosLab, within } from '../helpers/qos';
import { sh, trySh } from '../helpers/sys';

describe('qos shaping (host kernel, iperf3)', { timeout: 180_000 }, () => {
  it('rate applies in both directions, the ceiling is honoured, reset restores full speed', async (t) => {
    const lab = qosLab(t);
    const [server, client] = lab.peers as [(typeof lab.peers)[0], (typeof lab.peers)[0]];
    await iperfServer(t, server);
    const unshaped = iperfMbit(client, server);
    assert.ok(unshaped > 200, `unshaped ${unshaped} Mbit/s`);

    const set = lab.cli([
      'network',
      'qos',
      'set',
      lab.net.name,
      '--container',
      client.id,
      '--rate',
      '20mbit',
    ]);
    assert.equal(set.code, 0, set.err);
    assert.equal(set.out, `qos configured for container ${client.id} on ${lab.net.name}\n`);
    const up = iperfMbit(client, server);
    const down = iperfMbit(client, server, true);
    assert.ok(within(up, 20), `egress ${up} Mbit/s ≈ 20`);
    assert.ok(within(down, 20), `ingress ${down} Mbit/s ≈ 20`);

    // seed form: bare kbit; the class may borrow up to its ceiling
    assert.equal(
      lab.cli([
        'network',
        'qos',
        'set',
        lab.net.name,
        '--rate',
        '10000',
        '--ceiling',
        '30000',
        '--direction',
        'egress',
      ]).code,
      0,
    );
    assert.equal(lab.cli(['network', 'qos', 'reset', lab.net.name, '--container', client.id]).code, 0);
    const ceil = iperfMbit(client, server);
    assert.ok(within(ceil, 30), `ceiling ${ceil} Mbit/s ≈ 30`);
    // server -> client crosses the server's egress, which the network-level setting shapes too
    const back = iperfMbit(client, server, true);
    assert.ok(within(back, 30), `server egress ${back} Mbit/s ≈ 30`);
    const rows = JSON.parse(lab.cli(['network', 'qos', 'show', '--json']).out) as {
      side: string;
      status: string;
    }[];
    assert.equal(rows.length, 2);
    assert.ok(
      rows.every((r) => r.side === 'container' && r.status === 'ok'),
      'only container-side devices shaped with --direction egress',
    );

    assert.equal(lab.cli(['network', 'qos', 'reset', lab.net.name]).code, 0);
    assert.equal(lab.cli(['network', 'qos', 'reset', lab.net.name]).code, 0, 'reset is idempotent');
    const after = iperfMbit(client, server);
    assert.ok(after > 200, `after reset ${after} Mbit/s`);
    assert.deepEqual(JSON.parse(lab.cli(['network', 'qos', 'show', '--json']).out), []);
  });

  it('a container attached after qos set gets the shaping; show reports drift', (t) => {
    const lab = qosLab(t, 1);
    assert.equal(
      lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '5mbit', '--ceiling', '8mbit']).code,
      0,
    );
    const late = lab.attach();
    const show = JSON.parse(lab.cli(['network', 'qos', 'show', lab.net.name, '--json']).out) as {
      container: string;
      side: string;
      device: string;
      status: string;
      kernel: string;
    }[];
    const mine = show.filter((r) => r.container === late.id);
    assert.deepEqual(
      mine.map((r) => [r.side, r.status, r.kernel]),
      [
        ['host', 'ok', 'rate 5mbit ceil 8mbit'],
        ['container', 'ok', 'rate 5mbit ceil 8mbit'],
      ],
    );
    const hostDev = mine[0]?.device ?? '';
    assert.match(sh(['tc', 'class', 'show', 'dev', hostDev]), /class htb 1:10 .*rate 5Mbit ceil 8Mbit/);
    sh(['tc', 'qdisc', 'del', 'dev', hostDev, 'root']);
    const text = lab.cli(['network', 'qos', 'show', lab.net.name]);
    assert.match(text.out, /drift: no qdisc in the kernel/);
    // set again repairs (idempotent re-apply)
    assert.equal(
      lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '5mbit', '--ceiling', '8mbit']).code,
      0,
    );
    assert.doesNotMatch(lab.cli(['network', 'qos', 'show', lab.net.name]).out, /drift/);
  });

  it('netem on a kernel without sch_netem: clear error, old settings kept', (t) => {
    const lab = qosLab(t, 1);
    const probe = trySh([
      'ip',
      'netns',
      'exec',
      lab.peers[0]?.ns ?? '',
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'netem',
      'delay',
      '1ms',
    ]);
    if (probe.code === 0) {
      t.skip(
        'this kernel has sch_netem: the no-netem error path is tested on kernels without it (the CI host)',
      );
      return;
    }
    const [peer] = lab.peers;
    assert.equal(lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '7mbit']).code, 0);
    const file = join(lab.stateDir, 'qos', `${lab.net.name}.json`);
    const before = readFileSync(file, 'utf8');
    const r = lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '7mbit', '--delay', '50ms']);
    assert.equal(r.code, 5);
    assert.match(r.err, /this kernel has no netem \(sch_netem\): delay\/loss unavailable/);
    assert.equal(readFileSync(file, 'utf8'), before, 'stored settings unchanged');
    const rows = JSON.parse(lab.cli(['network', 'qos', 'show', '--json']).out) as {
      status: string;
      container: string;
    }[];
    assert.ok(
      rows.every((x) => x.status === 'ok' && x.container === peer?.id),
      JSON.stringify(rows),
    );
  });

  it('errors: unknown network/container, bad units; disconnect and delete drop settings', (t) => {
    const lab = qosLab(t, 1);
    const [peer] = lab.peers;
    assert.equal(lab.cli(['network', 'qos', 'set', 'ghost', '--rate', '1mbit']).code, 3);
    const nc = lab.cli(['network', 'qos', 'set', lab.net.name, '--container', 'ghost', '--rate', '1mbit']);
    assert.equal(nc.code, 3);
    assert.match(nc.err, /not attached/);
    assert.equal(lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '1zbit']).code, 2);
    assert.equal(
      lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '2mbit', '--ceiling', '1mbit']).code,
      2,
    );
    assert.equal(
      lab.cli(['network', 'qos', 'set', lab.net.name, '--container', peer?.id ?? '', '--rate', '3mbit']).code,
      0,
    );
    assert.equal(lab.cli(['network', 'qos', 'set', lab.net.name, '--rate', '4mbit']).code, 0);
    const file = () => JSON.parse(readFileSync(join(lab.stateDir, 'qos', `${lab.net.name}.json`), 'utf8'));
    assert.ok(file().containers[peer?.id ?? '']);
    assert.equal(lab.cli(['network', 'disconnect', peer?.id ?? '', lab.net.name]).code, 0);
    assert.deepEqual(file().containers, {}, 'container entry dropped with the attachment');
    assert.equal(lab.cli(['network', 'delete', lab.net.name]).code, 0);
    assert.equal(
      trySh(['ls', join(lab.stateDir, 'qos', `${lab.net.name}.json`)]).code,
      2,
      'removed with the network',
    );
  });
});
