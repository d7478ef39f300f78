import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerId, ifName, networkName } from '../src/names';

describe('names', () => {
  it('accepts ordinary names', () => {
    assert.ok(networkName.safeParse('br-sandbox_1.0').success);
    assert.ok(containerId.safeParse('web-00').success);
    assert.ok(ifName.safeParse('eth0').success);
    assert.ok(ifName.safeParse('a234567890abcde').success);
  });
  for (const bad of ['', '../x', 'a/b', '.hidden', '-x', 'a b', 'x'.repeat(65)]) {
    it(`rejects network name ${JSON.stringify(bad.slice(0, 12))}`, () =>
      assert.equal(networkName.safeParse(bad).success, false));
  }
  for (const bad of ['', '.', '..', 'a/b', 'a:b', 'a b', 'x'.repeat(16)]) {
    it(`rejects interface ${JSON.stringify(bad)}`, () => assert.equal(ifName.safeParse(bad).success, false));
  }
});
