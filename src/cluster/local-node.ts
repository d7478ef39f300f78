import { cpus, hostname, release, totalmem } from 'node:os';
import type { StateStore } from '../state/store';
import { VERSION } from '../version';
import type { NodeInfo } from './schemas';

/** This node as `cluster nodes` shows it (the whole cluster until one is configured). */
export function localNode(
  store: StateStore,
  opts: { name?: string; address?: string; startedAt?: number },
): NodeInfo {
  return {
    name: opts.name ?? hostname(),
    version: VERSION,
    cpus: cpus().length,
    memory: totalmem(),
    uptime: Math.round((Date.now() - (opts.startedAt ?? Date.now() - process.uptime() * 1000)) / 1000),
    kernel: release(),
    address: opts.address ?? '',
    containers: store.containerIds().length,
    lastSeen: new Date().toISOString(),
  };
}
