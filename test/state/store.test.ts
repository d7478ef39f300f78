import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { StateError } from '../../src/errors';
import { StateStore } from '../../src/state/store';
import { ROOT, tmpDir } from '../helpers/sys';

const WORKER = join(ROOT, 'test/fixtures/state-worker.ts');

describe('state store', () => {
  it('writes atomically with 0700 dirs and 0600 files', (t) => {
    const dir = join(tmpDir(t), 'state');
    const store = new StateStore(dir);
    store.writeJson('networks/a.json', { x: 1 });
    assert.equal(statSync(join(dir, 'networks')).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'networks/a.json')).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'networks/a.json'), 'utf8')), { x: 1 });
    assert.deepEqual(store.list('networks'), ['a.json']);
  });

  it('reading a missing dir creates nothing', (t) => {
    const dir = join(tmpDir(t), 'nothing');
    const store = new StateStore(dir);
    assert.equal(store.getNetwork('x'), undefined);
    assert.deepEqual(store.networkNames(), []);
    assert.throws(() => statSync(dir));
  });

  it('reports corrupt files as StateError pointing at gc', (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    store.writeJson('containers/c1.json', { id: 'c1' });
    assert.throws(
      () => store.getContainer('c1'),
      (e: unknown) => e instanceof StateError && /circuit gc/.test(e.message),
    );
    writeFileSync(join(dir, 'containers/c2.json'), '{"id": "c2", "attach');
    assert.throws(() => store.getContainer('c2'), /not JSON/);
  });

  it('sweeps temp files of dead writers only', (t) => {
    const dir = tmpDir(t);
    const store = new StateStore(dir);
    store.writeJson('cache/results/a', {});
    writeFileSync(join(dir, 'cache/results', '.tmp-999999999-0a1b2c3d'), '{"half');
    writeFileSync(join(dir, 'cache/results', `.tmp-${process.pid}-0a1b2c3d`), '{"busy');
    assert.deepEqual(
      store.sweepTemps((pid) => pid === process.pid),
      ['cache/results/.tmp-999999999-0a1b2c3d'],
    );
    assert.deepEqual(readdirSync(join(dir, 'cache/results')).sort(), [`.tmp-${process.pid}-0a1b2c3d`, 'a']);
  });

  it('serialises read-modify-write across processes', async (t) => {
    const dir = tmpDir(t);
    const procs = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', WORKER, 'inc', dir, '25'], { stdio: 'inherit' }),
    );
    const codes = await Promise.all(procs.map((p) => new Promise((r) => p.on('exit', r))));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const store = new StateStore(dir);
    assert.equal(store.readJson('counter.json', z.object({ n: z.number() }))?.n, 100);
  });

  it('recovers a lock held by a SIGKILLed process', async (t) => {
    const dir = tmpDir(t);
    const holder = spawn(process.execPath, ['--import', 'tsx', WORKER, 'hold', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => holder.stdout.on('data', () => resolve()));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('exit', r));
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', WORKER, 'inc', dir, '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - started < 8000, 'lock recovered within the stale window');
  });
});
