// The kernel layer's runners against the real kernel, in namespaces the test makes: steps and
// their tolerances, observations that fail (errors, never "absent"), nft table replace, tc.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelError } from '../../src/errors';
import { getLink, linkAddrs, linkExists, linkNames, listLinks } from '../../src/kernel/ip-json';
import { bridgeSteps, linkDeleteStep, vethSteps } from '../../src/kernel/links';
import { deleteNftTable, listNftTable, replaceNftTable } from '../../src/kernel/nft';
import { observe, runStep, runSteps } from '../../src/kernel/step';
import { tcBatch, tcShow } from '../../src/kernel/tc';
import { runCommand } from '../../src/runner';
import { netns, trySh, uid } from '../helpers/sys';

const run = runCommand;
const kernelError = (re: RegExp, gone?: boolean) => (e: unknown) =>
  e instanceof KernelError && re.test(e.message) && (gone === undefined || e.gone === gone);

describe('kernel runners (host kernel, private namespaces)', { timeout: 60_000 }, () => {
  it('steps: a bridge and a veth made in a netns, "exists" and "gone" tolerated only when asked', async (t) => {
    const ns = netns(t).path;
    const br = `kb${uid()}`;
    await runSteps(run, bridgeSteps(br, { netns: ns, mtu: 1400 }));
    await runSteps(run, bridgeSteps(br, { netns: ns })); // again: the add is tolerated
    await assert.rejects(
      runStep(run, { argv: ['ip', 'link', 'add', br, 'type', 'bridge'], netns: ns }),
      kernelError(/File exists/, false),
    );
    const peerNs = netns(t);
    await runSteps(
      run,
      vethSteps({
        host: 'vh0',
        peer: 'vp0',
        netns: ns,
        peerNetns: peerNs.name,
        peerMac: '02:00:00:00:00:07',
        master: br,
      }),
    );
    const vh = await getLink(run, 'vh0', ns);
    assert.equal(vh?.master, br);
    assert.equal((await getLink(run, 'vp0', peerNs.path))?.address, '02:00:00:00:00:07');
    assert.equal((await getLink(run, br, ns))?.mtu, 1400);
    assert.ok((await linkNames(run, ns)).has(br));
    assert.equal(await linkExists(run, 'nosuch0', ns), false);
    await runStep(run, linkDeleteStep('vh0', ns));
    await runStep(run, linkDeleteStep('vh0', ns)); // gone already: fine
    await assert.rejects(
      runStep(run, { argv: ['ip', 'link', 'del', 'vh0'], netns: ns }),
      kernelError(/Cannot find device/, true),
    );
  });

  it('observations: a failed listing is an error; a missing object is undefined; other failures errors', async (t) => {
    const ns = netns(t).path;
    await runStep(run, { argv: ['ip', 'addr', 'add', '198.18.253.1/24', 'dev', 'lo'], netns: ns });
    assert.deepEqual(await linkAddrs(run, 'lo', ns), ['198.18.253.1/24']);
    assert.equal(await linkAddrs(run, 'nosuch0', ns), undefined);
    const gonePath = `/run/netns/nosuch-${uid()}`;
    await assert.rejects(listLinks(run, gonePath), kernelError(/ip -j link show/));
    await assert.rejects(
      observe(run, { argv: ['ip', '-j', 'link', 'show', 'dev', 'nosuch0'], netns: ns }),
      kernelError(/does not exist/, true),
    );
    await assert.rejects(
      runStep(run, { argv: ['circuit-no-such-tool-xyz'] }),
      kernelError(/circuit-no-such-tool-xyz/),
    );
    await assert.rejects(
      runStep(run, { argv: ['ip', 'link', 'set', 'lo', 'mtu', 'nope'], netns: ns }),
      kernelError(/ip link set lo mtu nope/),
    );
  });

  it('nft: a table replaced in one transaction, listed, removed; removing it again is fine', async (t) => {
    const ns = netns(t).path;
    const table = { family: 'inet' as const, name: `k${uid()}`, netns: ns };
    assert.equal(await listNftTable(run, table), undefined);
    await replaceNftTable(run, table, [
      '  chain pre {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      '    tcp dport 81 counter',
      '  }',
    ]);
    await replaceNftTable(run, table, [
      '  chain pre {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      '    tcp dport 82 counter',
      '  }',
    ]);
    const json = (await listNftTable(run, table)) ?? '';
    assert.match(json, /"dport"|82/);
    assert.doesNotMatch(json, /\b81\b/, 'the old content is replaced, not added to');
    await assert.rejects(replaceNftTable(run, table, ['  chain x { nonsense }']), kernelError(/nft -f -/));
    assert.match((await listNftTable(run, table)) ?? '', /82/, 'a failed replace leaves the table as it was');
    await deleteNftTable(run, table);
    await deleteNftTable(run, table);
    assert.equal(await listNftTable(run, table), undefined);
    assert.equal(trySh(['nsenter', `--net=${ns}`, 'nft', 'list', 'tables']).out.includes(table.name), false);
  });

  it('tc: a batch whose first line may fail; a gone device, tolerated only when asked', async (t) => {
    const ns = netns(t).path;
    // (the host kernel has no dummy links: one end of a veth pair)
    await runSteps(run, vethSteps({ host: 'dm0', peer: 'dm1', netns: ns }));
    const dev = { dev: 'dm0', netns: ns };
    const lines = ['qdisc del dev dm0 root', 'qdisc add dev dm0 root handle 1: htb default 10'];
    assert.equal(await tcBatch(run, dev, lines, { mayFail: [1] }), true);
    assert.match((await tcShow(run, dev, 'qdisc')) ?? '', /qdisc htb 1: root/);
    await assert.rejects(
      tcBatch(run, dev, ['qdisc add dev dm0 root handle 1: htb']),
      kernelError(/tc on dm0/),
    );
    const gone = { dev: 'nosuch0', netns: ns };
    assert.equal(
      await tcBatch(run, gone, ['qdisc del dev nosuch0 root'], { mayFail: [1], goneOk: true }),
      false,
    );
    await assert.rejects(
      tcBatch(run, gone, ['qdisc del dev nosuch0 root'], { mayFail: [1], label: 'host-side nosuch0' }),
      kernelError(/tc on host-side nosuch0: device nosuch0 not found/, true),
    );
    assert.equal(await tcShow(run, gone, 'qdisc'), undefined);
  });
});
