// Pure planners of the containerd integration: reconcile, restart backoff, labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CtrContainer, CtrTask } from '../../src/containerd/client';
import { annotationsFromLabels, recordId, restartPolicy } from '../../src/containerd/labels';
import { planReconcile } from '../../src/containerd/reconcile';
import { restartDecision } from '../../src/containerd/restart';
import type { ContainerRecord } from '../../src/state/schemas';

const L = 'io.circuit.network';
const ctr = (id: string, labels: Record<string, string> = { [L]: 'n' }): CtrContainer => ({
  id,
  labels,
  snapshotter: 'overlayfs',
  snapshotKey: id,
});
const task = (id: string, pid: number, status: CtrTask['status'] = 'RUNNING', exitStatus = 0): CtrTask => ({
  containerId: id,
  id,
  pid,
  status,
  exitStatus,
});
const rec = (
  name: string,
  pid: number,
  source: ContainerRecord['source'] = 'containerd',
): ContainerRecord => ({
  id: recordId('default', name),
  name,
  namespace: 'default',
  pid,
  netns: { path: `/proc/${pid}/ns/net` },
  source,
  createdAt: '',
  attachments: [],
});

describe('containerd planners', () => {
  it('reconcile: attach new, keep current, release exited/replaced/deleted/unlabelled', () => {
    const plan = planReconcile(
      'default',
      L,
      [
        ctr('new'),
        ctr('same'),
        ctr('exited'),
        ctr('replaced'),
        ctr('unlabelled', {}),
        ctr('plain', {}),
        ctr('cli', {}),
      ],
      [
        task('new', 10),
        task('same', 11),
        task('exited', 12, 'STOPPED', 137),
        task('replaced', 99),
        task('unlabelled', 14),
        task('plain', 15),
        task('cli', 16),
      ],
      [
        rec('same', 11),
        rec('exited', 12),
        rec('replaced', 13),
        rec('unlabelled', 14),
        rec('deleted', 17),
        rec('cli', 16, 'cli'),
        { ...rec('otherns', 18), namespace: 'other' },
      ],
    );
    assert.deepEqual(
      plan.attach.map((a) => a.container.id),
      ['new', 'replaced'],
    );
    assert.deepEqual(
      plan.detach.map((d) => [d.record.name, d.why]),
      [
        ['exited', 'task exited (status 137)'],
        ['replaced', 'task replaced'],
        ['unlabelled', 'network label removed'],
        ['deleted', 'container deleted'],
      ],
    );
    assert.deepEqual(plan.stopped, [], 'no restart label, no restart candidate');
    const r = planReconcile(
      'default',
      L,
      [ctr('x', { 'io.circuit.restart': 'always' })],
      [task('x', 5, 'STOPPED', 1)],
      [],
    );
    assert.equal(r.stopped.length, 1);
  });

  it('restart: 1 s doubling to 30 s, reset after 60 s running, on-failure rules', () => {
    const always = { kind: 'always' } as const;
    const delays = [0, 1, 2, 3, 4, 5, 6].map((attempts) => {
      const d = restartDecision(always, 1, { attempts }, 0);
      return d.restart ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const reset = restartDecision(always, 1, { attempts: 5, runningSince: 0 }, 60_000);
    assert.deepEqual(reset, { restart: true, delayMs: 1000, attempt: 1 });
    assert.equal(restartDecision({ kind: 'on-failure' }, 0, { attempts: 0 }, 0).restart, false);
    assert.equal(restartDecision({ kind: 'on-failure', max: 2 }, 1, { attempts: 2 }, 0).restart, false);
    assert.equal(restartDecision({ kind: 'on-failure', max: 2 }, 1, { attempts: 1 }, 0).restart, true);
  });

  it('labels: restart policy, annotations, record ids', () => {
    assert.deepEqual(restartPolicy({}), { kind: 'no' });
    assert.deepEqual(restartPolicy({ 'io.circuit.restart': 'always' }), { kind: 'always' });
    assert.deepEqual(restartPolicy({ 'io.circuit.restart': 'on-failure:3' }), { kind: 'on-failure', max: 3 });
    assert.ok('error' in restartPolicy({ 'io.circuit.restart': 'sometimes' }));
    assert.deepEqual(
      annotationsFromLabels({ net: 'a,b', 'io.circuit.ip': ',198.18.0.9', other: 'x' }, 'net'),
      {
        'io.circuit.network': 'a,b',
        'io.circuit.ip': ',198.18.0.9',
      },
    );
    assert.equal(recordId('default', 'shell'), 'ctrd.default.shell');
  });
});
