import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  declaredCapabilities,
  parseNetworkConfig,
  parseNetworkConfigText,
  toConfList,
} from '../../src/cni/config';
import { UsageError } from '../../src/errors';

describe('cni config', () => {
  it('treats a .conf as a one-plugin list', () => {
    const net = parseNetworkConfig({
      cniVersion: '0.2.0',
      name: 'br-sandbox',
      type: 'bridge',
      bridge: 'cni0',
    });
    assert.equal(net.plugins.length, 1);
    assert.equal(net.plugins[0]?.type, 'bridge');
    assert.equal('name' in (net.plugins[0] ?? {}), false);
    assert.deepEqual(toConfList(net), {
      cniVersion: '0.2.0',
      name: 'br-sandbox',
      plugins: [{ type: 'bridge', bridge: 'cni0' }],
    });
  });

  it('accepts every supported version', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
      assert.equal(
        parseNetworkConfig({ cniVersion: v, name: 'n', plugins: [{ type: 'ptp' }] }).cniVersion,
        v,
      );
    }
  });

  it('keeps disableCheck/disableGC', () => {
    const net = parseNetworkConfig({
      cniVersion: '1.1.0',
      name: 'n',
      disableCheck: true,
      disableGC: true,
      plugins: [{ type: 'x' }],
    });
    assert.equal(net.disableCheck, true);
    assert.equal(net.disableGC, true);
  });

  const bad: [string, unknown, RegExp][] = [
    ['array', [], /expected a JSON object/],
    ['no version', { name: 'n', type: 'bridge' }, /cniVersion/],
    ['bad version', { cniVersion: '9.9.9', name: 'n', type: 'bridge' }, /unsupported cniVersion "9.9.9"/],
    ['no name', { cniVersion: '1.0.0', type: 'bridge' }, /name/],
    ['traversal name', { cniVersion: '1.0.0', name: '../etc', type: 'bridge' }, /network name/],
    ['empty plugins', { cniVersion: '1.0.0', name: 'n', plugins: [] }, /at least one plugin/],
    [
      'type with slash',
      { cniVersion: '1.0.0', name: 'n', plugins: [{ type: '../../bin/sh' }] },
      /plain file name/,
    ],
    ['no type', { cniVersion: '1.0.0', name: 'n', plugins: [{ bridge: 'x' }] }, /type/],
  ];
  for (const [label, doc, re] of bad) {
    it(`rejects ${label}`, () => {
      assert.throws(
        () => parseNetworkConfig(doc),
        (e: unknown) => e instanceof UsageError && re.test(e.message),
      );
    });
  }

  it('reports invalid JSON with the source', () => {
    assert.throws(() => parseNetworkConfigText('{', '/x.conf'), /\/x\.conf: not valid JSON/);
  });

  it('collects declared capabilities', () => {
    const net = parseNetworkConfig({
      cniVersion: '1.0.0',
      name: 'n',
      plugins: [
        { type: 'bridge', capabilities: { ips: true, mac: false } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    });
    assert.deepEqual([...declaredCapabilities(net)].sort(), ['ips', 'portMappings']);
  });
});
