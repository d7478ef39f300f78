import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ifNameSeries, nextFreeIfName } from '../../src/attach/ifnames';

describe('interface names', () => {
  it('numbers a series from the base', () => {
    assert.deepEqual(ifNameSeries('eth0', 3), ['eth0', 'eth1', 'eth2']);
    assert.deepEqual(ifNameSeries('net5', 2), ['net5', 'net6']);
    assert.deepEqual(ifNameSeries('lan', 2), ['lan', 'lan1']);
  });
  it('finds the first free ethN', () => {
    assert.equal(nextFreeIfName([]), 'eth0');
    assert.equal(nextFreeIfName(['eth0', 'eth2']), 'eth1');
  });
});
