import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addChain, ChainAddError, type ChainDeps, delChain, gcChain } from '../../src/cni/chain';
import { parseNetworkConfig } from '../../src/cni/config';
import type { RuntimeConf } from '../../src/cni/plan';
import type { Command, CommandResult } from '../../src/runner';

/** Fake runner for planner tests only: records calls, answers per plugin/command. */
function fakeRunner(fail: { plugin: string; command: string } | undefined) {
  const calls: { plugin: string; command: string; stdin: Record<string, unknown> }[] = [];
  const run = async (cmd: Command): Promise<CommandResult> => {
    const plugin = (cmd.argv[0] ?? '').split('/').pop() ?? '';
    const command = cmd.env?.CNI_COMMAND ?? '';
    const stdin = JSON.parse(cmd.input ?? '{}');
    calls.push({ plugin, command, stdin });
    if (fail && fail.plugin === plugin && fail.command === command) {
      return { exitCode: 1, stdout: JSON.stringify({ code: 11, msg: 'boom', details: 'disk' }), stderr: '' };
    }
    if (command === 'ADD') {
      const prev = (stdin.prevResult ?? { ips: [] }) as { ips: unknown[] };
      return {
        exitCode: 0,
        stdout: JSON.stringify({ ips: [...prev.ips, { address: `${plugin}/32` }] }),
        stderr: '',
      };
    }
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  return { calls, run };
}

const net = parseNetworkConfig({
  cniVersion: '1.0.0',
  name: 'n',
  plugins: [{ type: 'bridge' }, { type: 'portmap' }, { type: 'tuning' }],
});
const rt: RuntimeConf = { containerId: 'c', netns: '/x', ifName: 'eth0', args: [], capabilityArgs: {} };
const deps = (run: ChainDeps['run']): ChainDeps => ({ run, cniPath: ['/usr/lib/cni'], baseEnv: {} });

describe('cni chain (planner, fake runner)', () => {
  it('ADD runs in order and chains prevResult', async () => {
    const f = fakeRunner(undefined);
    const result = (await addChain(deps(f.run), net, rt)) as { ips: { address: string }[] };
    assert.deepEqual(
      f.calls.map((c) => c.plugin),
      ['bridge', 'portmap', 'tuning'],
    );
    assert.equal(f.calls[0]?.stdin.prevResult, undefined);
    assert.deepEqual(f.calls[1]?.stdin.prevResult, { ips: [{ address: 'bridge/32' }] });
    assert.equal(result.ips.length, 3);
  });

  it('a failed ADD is rolled back with DEL in reverse, error names plugin, code and msg', async () => {
    const f = fakeRunner({ plugin: 'portmap', command: 'ADD' });
    await assert.rejects(addChain(deps(f.run), net, rt), (e: unknown) => {
      assert.ok(e instanceof ChainAddError);
      assert.equal(e.message, 'plugin portmap (ADD) [CNI error 11]: boom: disk');
      return true;
    });
    assert.deepEqual(
      f.calls.map((c) => `${c.command} ${c.plugin}`),
      ['ADD bridge', 'ADD portmap', 'DEL portmap', 'DEL bridge'],
    );
    assert.deepEqual(f.calls[2]?.stdin.prevResult, { ips: [{ address: 'bridge/32' }] });
  });

  it('DEL keeps going after a failure and reports the first one', async () => {
    const f = fakeRunner({ plugin: 'tuning', command: 'DEL' });
    await assert.rejects(delChain(deps(f.run), net, rt, { ips: [] }), /plugin tuning \(DEL\)/);
    assert.deepEqual(
      f.calls.map((c) => c.plugin),
      ['tuning', 'portmap', 'bridge'],
    );
  });

  it('DEL sends prevResult only from 0.4.0 on', async () => {
    const old = parseNetworkConfig({ cniVersion: '0.3.1', name: 'n', plugins: [{ type: 'bridge' }] });
    const f = fakeRunner(undefined);
    await delChain(deps(f.run), old, rt, { ips: [] });
    assert.equal(f.calls[0]?.stdin.prevResult, undefined);
    const g = fakeRunner(undefined);
    await delChain(deps(g.run), net, rt, { ips: [] });
    assert.deepEqual(g.calls[0]?.stdin.prevResult, { ips: [] });
  });

  it('GC only for 1.1.0 networks', async () => {
    const f = fakeRunner(undefined);
    assert.equal(await gcChain(deps(f.run), net, []), false);
    const v11 = parseNetworkConfig({ cniVersion: '1.1.0', name: 'n', plugins: [{ type: 'bridge' }] });
    assert.equal(await gcChain(deps(f.run), v11, [{ containerID: 'c', ifname: 'eth0' }]), true);
    assert.equal(f.calls[0]?.command, 'GC');
  });

  it('a plugin that cannot be found is not DELeted during rollback', async () => {
    const partial = parseNetworkConfig({
      cniVersion: '1.0.0',
      name: 'n',
      plugins: [{ type: 'bridge' }, { type: 'no-such-plugin' }, { type: 'tuning' }],
    });
    const f = fakeRunner(undefined);
    await assert.rejects(addChain(deps(f.run), partial, rt), /failed to find plugin/);
    assert.deepEqual(
      f.calls.map((c) => `${c.command} ${c.plugin}`),
      ['ADD bridge', 'DEL bridge'],
    );
  });

  it('a missing plugin is a clear error', async () => {
    const bad = parseNetworkConfig({
      cniVersion: '1.0.0',
      name: 'n',
      plugins: [{ type: 'nonexistent-plugin' }],
    });
    const f = fakeRunner(undefined);
    await assert.rejects(addChain(deps(f.run), bad, rt), /failed to find plugin "nonexistent-plugin"/);
  });
});
