import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from '../src/args';
import { table } from '../src/cli/table';

describe('cli args', () => {
  it('parses known flags and positionals', () => {
    const a = parseArgs(['c1', 'net', '--ifname', 'eth3', '--json'], { string: ['ifname'] });
    assert.deepEqual(a.positional, ['c1', 'net']);
    assert.equal(a.flags.ifname, 'eth3');
    assert.equal(a.flags.json, true);
  });
  it('rejects unknown flags', () => assert.throws(() => parseArgs(['--bogus'], {}), /unknown flag --bogus/));
  it('rejects repeated flags', () =>
    assert.throws(
      () => parseArgs(['--ifname', 'a', '--ifname', 'b'], { string: ['ifname'] }),
      /more than once/,
    ));
  it('rejects a string flag without value', () =>
    assert.throws(() => parseArgs(['--ifname'], { string: ['ifname'] }), /needs a value/));
});

describe('table', () => {
  it('pads columns like the seed', () => {
    assert.equal(
      table(['NAME', 'TYPE'], [['sandbox', 'bridge']]),
      'NAME                TYPE\nsandbox             bridge',
    );
  });
});
