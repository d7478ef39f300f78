/**
 * Client side of the gRPC wire: responses (proto-loader objects, camelCase keys) rebuilt into the
 * API's types in the API's own key order, so `--json` through a daemon prints the same bytes as
 * the direct CLI. The server side (request decoding) is server-wire.ts.
 */
import type { GcReport } from '../attach/gc';
import type { Service } from '../lb/spec';
import type { TargetStats } from '../lb/stats';
import type { QosRow } from '../qos/service';
import type { ContainerReport } from '../topology/service';
import type { CheckResult, IpRow, NetworkDetail, NetworkSummary, NodeInfo, Peer } from './types';

type Wire = Record<string, unknown>;

const s = (v: unknown) => (typeof v === 'string' ? v : '');
const n = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
const arr = (v: unknown): Wire[] => (Array.isArray(v) ? (v as Wire[]) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
/** A field that proto3 sends as "" or 0 when absent. */
const optional = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined || v === null || v === '' || v === 0 ? {} : { [k]: v }) as { [P in K]?: V };

function peer(w: Wire): Peer {
  return {
    container: s(w.container),
    ...optional('pid', w.pid === undefined ? undefined : n(w.pid)),
    ifName: s(w.ifName),
    status: s(w.status),
    ips: strs(w.ips),
    ...optional('name', w.name === undefined ? undefined : s(w.name)),
    ...optional('runtime', w.runtime === undefined ? undefined : s(w.runtime)),
  };
}

export const fromWire = {
  summary: (w: Wire): NetworkSummary => ({
    name: s(w.name),
    type: s(w.type),
    plugins: strs(w.plugins),
    version: s(w.version),
    peers: arr(w.peers).map(peer),
  }),
  detail: (w: Wire): NetworkDetail => {
    const labels = (w.labels ?? {}) as Record<string, string>;
    return {
      name: s(w.name),
      config: JSON.parse(s(w.configJson) || '{}') as Record<string, unknown>,
      ...optional('source', w.source as string | undefined),
      createdAt: s(w.createdAt),
      ...optional('labels', Object.keys(labels).length ? labels : undefined),
      attachments: arr(w.attachments).map(peer),
    };
  },
  ip: (w: Wire): IpRow => ({
    network: s(w.network),
    ip: s(w.ip),
    cidr: s(w.cidr),
    interface: s(w.interface),
    status: s(w.status),
    ...optional('node', w.node as string | undefined),
  }),
  qosRow: (w: Wire): QosRow => ({
    network: s(w.network),
    container: s(w.container),
    side: s(w.side) as QosRow['side'],
    device: s(w.device),
    scope: s(w.scope) as QosRow['scope'],
    stored: s(w.stored),
    kernel: s(w.kernel),
    status: s(w.status) as QosRow['status'],
    drift: strs(w.drift),
  }),
  service: (w: Wire): Service => ({
    name: s(w.name),
    addr: s(w.addr),
    port: n(w.port),
    protocol: s(w.protocol) as Service['protocol'],
    scheduler: s(w.scheduler) as Service['scheduler'],
    ...optional('persistent', w.persistent === undefined ? undefined : n(w.persistent)),
    forward: s(w.forward) as Service['forward'],
    backend: s(w.backend) as Service['backend'],
    targets: arr(w.targets).map((t) => ({ addr: s(t.addr), port: n(t.port), weight: n(t.weight) })),
    createdAt: s(w.createdAt),
  }),
  stats: (w: Wire): TargetStats => ({
    service: s(w.service),
    target: s(w.target),
    connections: n(w.connections),
    packets: n(w.packets),
    bytes: n(w.bytes),
  }),
  check: (w: Wire): CheckResult => ({
    network: s(w.network),
    ifName: s(w.ifName),
    status: s(w.status),
    ...optional('detail', w.detail as string | undefined),
  }),
  gc: (w: Wire): GcReport => ({
    released: arr(w.released).map((r) => ({
      container: s(r.container),
      network: s(r.network),
      ifName: s(r.ifName),
    })),
    repaired: strs(w.repaired),
    cniGc: strs(w.cniGc),
    errors: strs(w.errors),
    corrupt: strs(w.corrupt),
  }),
  report: (w: Wire): ContainerReport => {
    const commands = arr(w.commands).map((c) => ({
      command: strs(c.command),
      exitCode: n(c.exitCode),
      output: s(c.output),
      ...optional('failure', c.failure as string | undefined),
    }));
    return {
      container: s(w.container),
      status: s(w.status) as ContainerReport['status'],
      links: strs(w.links),
      ...(commands.length ? { commands } : {}),
    };
  },
  node: (w: Wire): NodeInfo => ({
    name: s(w.name),
    version: s(w.version),
    cpus: n(w.cpus),
    memory: n(w.memory),
    uptime: n(w.uptime),
    kernel: s(w.kernel),
    address: s(w.address),
    containers: n(w.containers),
    lastSeen: s(w.lastSeen),
  }),
};
