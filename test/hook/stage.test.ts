import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hookAction, parseStage } from '../../src/hook/stage';
import type { OciState } from '../../src/oci/state';

const st = (status: OciState['status'], pid?: number): OciState => ({
  ociVersion: '1.0.2',
  id: 'c1',
  status,
  bundle: '/b',
  ...(pid === undefined ? {} : { pid }),
});

describe('hook stage', () => {
  it('explicit stage wins', () => {
    assert.equal(hookAction('poststop', st('creating', 5)), 'del');
    assert.equal(hookAction('createRuntime', st('stopped')), 'add');
    assert.equal(hookAction('prestart', st('stopped')), 'add');
    assert.equal(hookAction('poststart', st('running', 5)), 'start');
  });
  it('falls back to the OCI status', () => {
    assert.equal(hookAction(undefined, st('creating', 5)), 'add');
    assert.equal(hookAction(undefined, st('created', 5)), 'add');
    assert.equal(hookAction(undefined, st('stopped', 5)), 'del');
  });
  it('then to pid presence', () => {
    assert.equal(hookAction(undefined, st('running', 7)), 'add');
    assert.equal(hookAction(undefined, st('running', 0)), 'del');
  });
  it('rejects unknown stages', () => {
    assert.throws(() => parseStage('prestop'), /unknown hook stage "prestop"/);
    assert.equal(parseStage('poststart'), 'poststart');
    assert.equal(parseStage('createRuntime'), 'createRuntime');
  });
});
