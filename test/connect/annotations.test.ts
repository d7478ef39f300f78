import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilityArgsFor, parseAnnotations, parseCniArgs, parsePorts } from '../../src/connect/annotations';

describe('annotations', () => {
  it('parses networks, positional ips and macs', () => {
    const cn = parseAnnotations({
      'io.circuit.network': 'front, back',
      'io.circuit.ip': ',198.18.3.9/24',
      'io.circuit.mac': '02:00:00:00:00:09',
    });
    assert.deepEqual(cn.networks, ['front', 'back']);
    assert.deepEqual(capabilityArgsFor(cn, 0), { mac: '02:00:00:00:00:09' });
    assert.deepEqual(capabilityArgsFor(cn, 1), { ips: ['198.18.3.9/24'] });
  });

  it('parses port mappings', () => {
    assert.deepEqual(parsePorts('8080:80/tcp, 53:53/udp, 9000, 127.0.0.1:8443:443'), [
      { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostPort: 53, containerPort: 53, protocol: 'udp' },
      { hostPort: 9000, containerPort: 9000, protocol: 'tcp' },
      { hostPort: 8443, containerPort: 443, protocol: 'tcp', hostIP: '127.0.0.1' },
    ]);
  });

  for (const bad of ['80:0', '70000:80', 'x:80', '80:80/icmp', 'host:1:80', ''.padEnd(3, ':')]) {
    it(`rejects port mapping ${bad}`, () => assert.throws(() => parsePorts(bad), /io\.circuit\.ports/));
  }

  it('parses CNI_ARGS', () => {
    assert.deepEqual(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=a=b'), [
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAME', 'a=b'],
    ]);
    assert.deepEqual(parseCniArgs(''), []);
    assert.throws(() => parseCniArgs('novalue'), /CNI_ARGS/);
  });
});
