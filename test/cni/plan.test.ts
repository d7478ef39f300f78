import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetworkConfig } from '../../src/cni/config';
import { cniArgsString, invocationEnv, planStep, pluginStdin, type RuntimeConf } from '../../src/cni/plan';

const net = parseNetworkConfig({
  cniVersion: '1.0.0',
  name: 'sandbox',
  plugins: [
    { type: 'bridge', bridge: 'cni0', capabilities: { ips: true } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
});
const rt: RuntimeConf = {
  containerId: 'web-00',
  netns: '/proc/42/ns/net',
  ifName: 'eth0',
  args: [['IgnoreUnknown', '1']],
  capabilityArgs: {
    ips: ['198.18.0.5/24'],
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  },
};

describe('cni plan', () => {
  it('injects name, cniVersion and prevResult like libcni', () => {
    const conf = JSON.parse(pluginStdin(net, net.plugins[1] ?? { type: 'x' }, { prevResult: { ips: [] } }));
    assert.equal(conf.name, 'sandbox');
    assert.equal(conf.cniVersion, '1.0.0');
    assert.deepEqual(conf.prevResult, { ips: [] });
  });

  it('passes only the capabilities a plugin declares as runtimeConfig', () => {
    const bridge = JSON.parse(
      pluginStdin(net, net.plugins[0] ?? { type: 'x' }, { capabilityArgs: rt.capabilityArgs }),
    );
    assert.deepEqual(bridge.runtimeConfig, { ips: ['198.18.0.5/24'] });
    const portmap = JSON.parse(
      pluginStdin(net, net.plugins[1] ?? { type: 'x' }, { capabilityArgs: rt.capabilityArgs }),
    );
    assert.deepEqual(Object.keys(portmap.runtimeConfig), ['portMappings']);
  });

  it('omits runtimeConfig and prevResult when there is nothing to pass', () => {
    const conf = JSON.parse(pluginStdin(net, net.plugins[0] ?? { type: 'x' }, {}));
    assert.equal('runtimeConfig' in conf, false);
    assert.equal('prevResult' in conf, false);
  });

  it('builds the CNI environment and replaces inherited CNI_* values', () => {
    const env = invocationEnv('ADD', rt, ['/usr/lib/cni', '/opt/cni/bin'], {
      CNI_IFNAME: 'bogus',
      PATH: '/bin',
    });
    assert.deepEqual(
      {
        c: env.CNI_COMMAND,
        id: env.CNI_CONTAINERID,
        ns: env.CNI_NETNS,
        i: env.CNI_IFNAME,
        a: env.CNI_ARGS,
        p: env.CNI_PATH,
        path: env.PATH,
      },
      {
        c: 'ADD',
        id: 'web-00',
        ns: '/proc/42/ns/net',
        i: 'eth0',
        a: 'IgnoreUnknown=1',
        p: '/usr/lib/cni:/opt/cni/bin',
        path: '/bin',
      },
    );
  });

  it('gives plugins a default PATH when the hook env has none', () => {
    const env = invocationEnv('DEL', rt, ['/usr/lib/cni'], {});
    assert.match(env.PATH ?? '', /\/usr\/sbin/);
  });

  it('plans VERSION/GC without container variables', () => {
    const env = invocationEnv('GC', undefined, ['/usr/lib/cni'], { CNI_NETNS: 'x' });
    assert.equal(env.CNI_NETNS, undefined);
    assert.equal(env.CNI_CONTAINERID, undefined);
  });

  it('planStep carries extra keys (GC valid attachments)', () => {
    const inv = planStep('GC', net, net.plugins[0] ?? { type: 'x' }, undefined, {
      cniPath: ['/usr/lib/cni'],
      baseEnv: {},
      extra: { 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] },
    });
    assert.equal(inv.pluginType, 'bridge');
    assert.deepEqual(JSON.parse(inv.stdin)['cni.dev/valid-attachments'], [
      { containerID: 'a', ifname: 'eth0' },
    ]);
  });

  it('formats CNI_ARGS', () => {
    assert.equal(
      cniArgsString([
        ['A', '1'],
        ['B', 'x=y'],
      ]),
      'A=1;B=x=y',
    );
  });
});
