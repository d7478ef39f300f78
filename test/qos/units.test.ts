import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDuration,
  formatRate,
  parseDuration,
  parsePercent,
  parseRate,
  parseSize,
} from '../../src/qos/units';

describe('qos units', () => {
  it('rates: bare numbers are kbit (seed), tc units, bps = bytes', () => {
    assert.equal(parseRate('5000'), 5_000_000);
    assert.equal(parseRate('10mbit'), 10_000_000);
    assert.equal(parseRate('1Gbit'), 1_000_000_000);
    assert.equal(parseRate('500kbps'), 4_000_000);
    assert.equal(parseRate('100bit'), 100);
    assert.equal(parseRate('1.5mbit'), 1_500_000);
    for (const bad of ['', 'fast', '10mb', '-5', '1e3', '0'])
      assert.throws(() => parseRate(bad), /--rate/, bad);
  });
  it('sizes, durations, percentages', () => {
    assert.equal(parseSize('15k'), 15360);
    assert.equal(parseSize('1600'), 1600);
    assert.equal(parseDuration('50ms'), 50_000);
    assert.equal(parseDuration('200us'), 200);
    assert.equal(parseDuration('1s'), 1_000_000);
    assert.equal(parseDuration('20'), 20_000);
    assert.equal(parsePercent('1%'), 1);
    assert.equal(parsePercent('0.5'), 0.5);
    assert.throws(() => parsePercent('101%'), /--loss/);
    assert.throws(() => parseDuration('5min'), /--delay/);
    assert.throws(() => parseSize('1gb'), /--burst/);
  });
  it('formats for tc', () => {
    assert.equal(formatRate(5_000_000), '5mbit');
    assert.equal(formatRate(1500), '1500bit');
    assert.equal(formatDuration(50_000), '50ms');
    assert.equal(formatDuration(250), '250us');
  });
});
