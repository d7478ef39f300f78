import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultAddresses, sandboxMac } from '../../src/cni/result';
import {
  hasLegacyResult,
  supportsCheck,
  supportsGc,
  supportsPrevResultOnDel,
  versionAtLeast,
} from '../../src/cni/version';

describe('cni results and versions', () => {
  it('reads 0.3+/1.x results', () => {
    const r = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cb1' }, { name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/proc/1/ns/net' }],
      ips: [{ address: '198.18.1.2/24', gateway: '198.18.1.1', interface: 1 }],
    };
    assert.deepEqual(resultAddresses(r), [
      { address: '198.18.1.2/24', gateway: '198.18.1.1', mac: '02:00:00:00:00:01' },
    ]);
    assert.equal(sandboxMac(r, 'eth0'), '02:00:00:00:00:01');
    assert.equal(sandboxMac(r, 'cb1'), undefined);
  });

  it('reads 0.2.0 results (ip4/ip6)', () => {
    assert.deepEqual(
      resultAddresses({
        cniVersion: '0.2.0',
        ip4: { ip: '198.18.1.3/24' },
        ip6: { ip: 'fd00::3/64', gateway: 'fd00::1' },
      }),
      [{ address: '198.18.1.3/24' }, { address: 'fd00::3/64', gateway: 'fd00::1' }],
    );
  });

  it('returns nothing for an empty result', () => {
    assert.deepEqual(resultAddresses(undefined), []);
    assert.deepEqual(resultAddresses({}), []);
  });

  it('knows which verbs each version has', () => {
    assert.equal(versionAtLeast('1.0.0', '0.4.0'), true);
    assert.equal(versionAtLeast('0.3.1', '0.4.0'), false);
    assert.equal(hasLegacyResult('0.2.0'), true);
    assert.equal(hasLegacyResult('0.3.0'), false);
    assert.equal(supportsCheck('0.3.1'), false);
    assert.equal(supportsCheck('0.4.0'), true);
    assert.equal(supportsPrevResultOnDel('1.0.0'), true);
    assert.equal(supportsGc('1.0.0'), false);
    assert.equal(supportsGc('1.1.0'), true);
  });
});
