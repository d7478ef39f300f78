import { existsSync } from 'node:fs';
import { KernelError } from '../errors';
import { linkNames } from '../kernel/ip-json';
import { namedNetns } from '../kernel/netns';
import { runSteps } from '../kernel/step';
import { netnsAlive, netnsRef } from '../netns';
import type { Runner } from '../runner';
import { withAreaLock } from '../state/area-lock';
import type { StateStore } from '../state/store';
import { natTableName } from './generated';
import {
  bridgePlan,
  deviceDeletePlan,
  linkDeletePlan,
  linkPlan,
  namespaceDeletePlan,
  namespacePlan,
  natDeletePlan,
  natPlan,
  patchPlan,
  type Target,
  tunnelPlan,
} from './plan';
import { type Owned, type RecordedLink, sameOwned, type TopologyRecord, topologyRecords } from './records';
import type { Link, Topology } from './spec';

export interface TopologyContainer {
  id: string;
  pid: number;
  /** The container's netns path (the bundle's, or /proc/PID/ns/net). */
  netns: string;
  /** Other names the files may use for it (podman: its container name). */
  aliases?: readonly string[];
}

/** Whether a file's `container` field names this container (by id or an alias). */
export const namesContainer = (c: TopologyContainer, name: string): boolean =>
  name === c.id || (c.aliases ?? []).includes(name);

export interface UpResult {
  /** Links made now (container/dev). */
  created: string[];
  /** Links that were already there. */
  present: string[];
}

/**
 * Interface names in the outer namespace (the host's, or a named one; none when that namespace
 * does not exist yet). A listing that fails is an error: taking it for "no links" would claim
 * bridges that were there before as circuit's own.
 */
async function outerLinks(run: Runner, ns: string | undefined): Promise<Set<string>> {
  if (ns && !existsSync(namedNetns(ns))) return new Set();
  return linkNames(run, ns ? namedNetns(ns) : undefined);
}

function recorded(l: Link, ns: string | undefined): RecordedLink {
  const r: RecordedLink = { dev: l.dev, type: l.type };
  if (ns) r.ns = ns;
  if (l.outerDev && l.type === 'veth') r.outerDev = l.outerDev;
  if (l.bridge) r.bridge = l.bridge;
  if (l.ip) r.ip = l.ip;
  if (l.nat) r.nat = l.nat;
  if (l.forward.length) r.forward = l.forward;
  return r;
}

/**
 * Creates and removes topology links for containers. Every method runs under the topology
 * area's own lock (across processes), never the global state lock: topology records and the
 * owned ledger are read and written by this engine only, under that lock, and kernel steps run
 * in it without stalling container starts. Each object is recorded (link in its container's
 * record, bridge/tunnel/namespace in the ledger, nat table in the record) before it is created;
 * the records in the state dir, not the files, say what to remove.
 */
export class TopologyEngine {
  constructor(
    private readonly store: StateStore,
    private readonly run: Runner,
  ) {}

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withAreaLock(this.store.root, 'topology', fn);
  }

  /** Make the container's links (idempotent). On failure everything made for it is removed. */
  up(topo: Topology, c: TopologyContainer): Promise<UpResult> {
    return this.locked(async () => {
      const mine = topo.links.filter((l) => namesContainer(c, l.container));
      const commands = topo.commands.filter((x) => namesContainer(c, x.container)).map((x) => x.command);
      const existing = topologyRecords.get(this.store, c.id);
      // a record of an earlier incarnation (same id, another netns) is stale: remove it first
      if (existing && (existing.pid !== c.pid || !netnsAlive(existing.netns)))
        await this.removeLinks(existing);
      const rec: TopologyRecord = topologyRecords.get(this.store, c.id) ?? {
        id: c.id,
        pid: c.pid,
        netns: netnsRef(c.netns),
        links: [],
        tables: [],
        commands: [],
      };
      rec.commands = commands;
      const result: UpResult = { created: [], present: [] };
      const ns = topo.namespace;
      const target: Target = { pid: c.pid, netns: c.netns };
      try {
        const todo = mine.filter((l) => {
          const has = rec.links.some((r) => r.dev === l.dev);
          if (has) result.present.push(`${c.id}/${l.dev}`);
          return !has;
        });
        if (todo.length) {
          if (ns && !existsSync(namedNetns(ns))) {
            this.own({ kind: 'namespace', name: ns });
            await runSteps(this.run, namespacePlan(ns));
          }
          const outer = await outerLinks(this.run, ns);
          for (const l of todo) {
            const mode = l.bridge ? topo.bridges[l.bridge]?.mode : undefined;
            if (l.bridge) await this.ensureBridge(topo, ns, l.bridge, outer);
            rec.links.push(recorded(l, ns));
            topologyRecords.put(this.store, rec);
            await runSteps(this.run, linkPlan(ns, l, target, mode));
            if (l.outerDev) outer.add(l.outerDev);
            if (mode === 'patch' && l.bridge) await this.patch(topo, ns, l.bridge, outer);
            result.created.push(`${c.id}/${l.dev}`);
          }
        }
        await this.syncNat(rec);
      } catch (err) {
        await this.removeLinks(rec).catch(() => undefined);
        throw err;
      }
      return result;
    });
  }

  /** Remove a container's topology links (all, or those on `devs`), and shared things left unused. */
  down(id: string, devs?: ReadonlySet<string>): Promise<string[]> {
    return this.locked(async () => {
      const rec = topologyRecords.get(this.store, id);
      if (!rec) return [];
      if (!devs) return this.removeLinks(rec);
      const gone = rec.links.filter((l) => devs.has(l.dev));
      const keep = rec.links.filter((l) => !devs.has(l.dev));
      await this.removeLinks({ ...rec, links: gone, tables: [] }, false);
      rec.links = keep;
      await this.syncNat(rec);
      await this.releaseShared();
      return gone.map((l) => `${id}/${l.dev}`);
    });
  }

  /** The record, for commands at poststart. */
  record(id: string): TopologyRecord | undefined {
    return topologyRecords.get(this.store, id);
  }

  /** Records whose container is gone: removed like a poststop would. */
  collect(): Promise<string[]> {
    return this.locked(() => this.collectLocked());
  }

  private async collectLocked(): Promise<string[]> {
    const out: string[] = [];
    for (const id of topologyRecords.ids(this.store)) {
      let rec: TopologyRecord | undefined;
      try {
        rec = topologyRecords.get(this.store, id);
      } catch {
        topologyRecords.remove(this.store, id);
        out.push(`removed corrupt topology record ${id}`);
        continue;
      }
      if (!rec || netnsAlive(rec.netns)) continue;
      const removed = await this.removeLinks(rec);
      out.push(`removed topology links of ${id}${removed.length ? ` (${removed.join(', ')})` : ''}`);
    }
    await this.releaseShared();
    return out;
  }

  private own(o: Owned): void {
    const list = topologyRecords.owned(this.store);
    if (!list.some((x) => sameOwned(x, o))) topologyRecords.putOwned(this.store, [...list, o]);
  }

  private async ensureBridge(topo: Topology, ns: string | undefined, bridge: string, outer: Set<string>) {
    const patch = topo.bridges[bridge]?.mode === 'patch';
    if (!patch && !outer.has(bridge)) {
      this.own({ kind: 'bridge', ...(ns ? { ns } : {}), name: bridge });
      await runSteps(this.run, bridgePlan(ns, bridge));
      outer.add(bridge);
    }
    for (const t of topo.tunnels.filter((x) => x.bridge === bridge)) {
      if (outer.has(t.dev)) continue;
      this.own({ kind: 'tunnel', ...(ns ? { ns } : {}), name: t.dev, bridge });
      await runSteps(this.run, tunnelPlan(ns, t, patch));
      outer.add(t.dev);
    }
  }

  /** A patch joins its two members once both exist (re-done when either comes back). */
  private async patch(topo: Topology, ns: string | undefined, bridge: string, outer: Set<string>) {
    const members = [
      ...topo.links.filter((l) => l.bridge === bridge).map((l) => l.outerDev ?? ''),
      ...topo.tunnels.filter((t) => t.bridge === bridge).map((t) => t.dev),
    ];
    const [a, b] = members;
    if (a && b && outer.has(a) && outer.has(b)) await runSteps(this.run, patchPlan(ns, a, b));
  }

  /**
   * The container's nat/forward table per outer namespace, rebuilt from its recorded links. The
   * record lists a table before it is made; it is written with the final list at the end.
   */
  private async syncNat(rec: TopologyRecord): Promise<void> {
    const table = natTableName(rec.id);
    const byNs = new Map<string, RecordedLink[]>();
    for (const l of rec.links)
      if (l.ip && (l.nat || l.forward?.length)) byNs.set(l.ns ?? '', [...(byNs.get(l.ns ?? '') ?? []), l]);
    const want = [...byNs.keys()].map((nsKey) => ({ ...(nsKey ? { ns: nsKey } : {}), name: table }));
    const fresh = want.filter((w) => !rec.tables.some((t) => (t.ns ?? '') === (w.ns ?? '')));
    if (fresh.length) {
      rec.tables = [...rec.tables, ...fresh];
      topologyRecords.put(this.store, rec);
    }
    for (const t of rec.tables)
      if (!byNs.has(t.ns ?? '')) await runSteps(this.run, natDeletePlan(t.ns, t.name));
    rec.tables = rec.tables.filter((t) => byNs.has(t.ns ?? ''));
    for (const [nsKey, links] of byNs) {
      const ns = nsKey || undefined;
      await runSteps(
        this.run,
        natPlan(
          ns,
          table,
          links.map((l) => ({ ip: l.ip ?? '', nat: l.nat, forward: l.forward ?? [] })),
        ),
      );
    }
    topologyRecords.put(this.store, rec);
  }

  /**
   * Remove recorded links and tables (each step may find its object gone already). With
   * `whole`, the record goes too, but only when everything in it is gone: what could not be
   * removed stays recorded (so gc finds it again), and the error says what failed.
   */
  private async removeLinks(rec: TopologyRecord, whole = true): Promise<string[]> {
    const netns = netnsAlive(rec.netns) ? rec.netns.path : undefined;
    const errors: string[] = [];
    const leftLinks: RecordedLink[] = [];
    const leftTables: TopologyRecord['tables'] = [];
    for (const l of [...rec.links].reverse()) {
      try {
        await runSteps(this.run, linkDeletePlan(l, netns));
      } catch (err) {
        errors.push((err as Error).message);
        leftLinks.unshift(l);
      }
    }
    for (const t of rec.tables) {
      try {
        await runSteps(this.run, natDeletePlan(t.ns, t.name));
      } catch (err) {
        errors.push((err as Error).message);
        leftTables.push(t);
      }
    }
    if (whole) {
      if (errors.length === 0) topologyRecords.remove(this.store, rec.id);
      else topologyRecords.put(this.store, { ...rec, links: leftLinks, tables: leftTables, commands: [] });
      await this.releaseShared();
    }
    if (errors.length) throw new KernelError(['ip'], `topology: ${rec.id}: ${errors.join('; ')}`);
    return rec.links.map((l) => `${rec.id}/${l.dev}`);
  }

  /** Bridges, tunnels and namespaces this topology made and no recorded link uses any more. */
  private async releaseShared(): Promise<void> {
    const owned = topologyRecords.owned(this.store);
    if (owned.length === 0) return;
    const used = new Set<string>();
    const usedNs = new Set<string>();
    for (const id of topologyRecords.ids(this.store)) {
      let rec: TopologyRecord | undefined;
      try {
        rec = topologyRecords.get(this.store, id);
      } catch {
        continue;
      }
      for (const l of rec?.links ?? []) {
        if (l.bridge) used.add(`${l.ns ?? ''}/${l.bridge}`);
        if (l.ns) usedNs.add(l.ns);
      }
    }
    const keep: Owned[] = [];
    const order = { tunnel: 0, bridge: 1, namespace: 2 } as const;
    for (const o of [...owned].sort((a, b) => order[a.kind] - order[b.kind])) {
      const inUse =
        o.kind === 'namespace'
          ? usedNs.has(o.name)
          : used.has(`${o.ns ?? ''}/${o.kind === 'tunnel' ? (o.bridge ?? '') : o.name}`);
      if (inUse) {
        keep.push(o);
        continue;
      }
      if (o.ns && !existsSync(namedNetns(o.ns)) && o.kind !== 'namespace') continue;
      await runSteps(
        this.run,
        o.kind === 'namespace' ? namespaceDeletePlan(o.name) : deviceDeletePlan(o.ns, o.name),
      );
    }
    topologyRecords.putOwned(this.store, keep);
  }
}
