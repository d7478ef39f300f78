import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { iptablesMentions, leases } from './cni';
import type { Runc } from './runc';
import { sh } from './sys';

/** Everything a container could leave behind, checked at once. */
export function leakAudit(opts: {
  stateDir: string;
  nets: { dataDir: string; name: string; bridge?: string }[];
  containerIds: string[];
  runc?: Runc;
}): void {
  for (const net of opts.nets) {
    assert.deepEqual(leases(net), [], `no IPAM lease left in ${net.name}`);
    if (net.bridge && existsSync(`/sys/class/net/${net.bridge}`)) {
      const ports = JSON.parse(sh(['ip', '-j', 'link', 'show', 'master', net.bridge])) as unknown[];
      assert.equal(ports.length, 0, `no veth left on ${net.bridge}`);
    }
  }
  for (const sub of ['containers', 'cache/results']) {
    const d = join(opts.stateDir, sub);
    assert.deepEqual(existsSync(d) ? readdirSync(d) : [], [], `state ${sub} is empty`);
  }
  for (const id of opts.containerIds)
    assert.equal(iptablesMentions(id), false, `no iptables rule names ${id}`);
  if (opts.runc) assert.deepEqual(opts.runc.list(), [], 'no runc container left');
}
