import { existsSync } from 'node:fs';
import { PluginError } from '../errors';
import { netnsAlive, netnsRef } from '../netns';
import type { Runner } from '../runner';
import * as z from '../schema';
import type { StateStore } from '../state/store';
import { natTableName } from './generated';
import {
  bridgePlan,
  deviceDeletePlan,
  ipIn,
  linkDeletePlan,
  linkPlan,
  namespaceDeletePlan,
  namespacePlan,
  natDeletePlan,
  natPlan,
  patchPlan,
  type Step,
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

const linkListSchema = z.array(z.looseObject({ ifname: z.string() }));

/** Runs plans; a failed step is a PluginError naming the step and the tool's own message. */
export async function runSteps(run: Runner, steps: readonly Step[]): Promise<void> {
  for (const s of steps) {
    const res = await run({
      argv: s.argv,
      ...(s.input !== undefined ? { input: s.input } : {}),
      timeoutMs: 30_000,
    });
    if (res.exitCode === 0 && !res.failure) continue;
    const msg = (res.failure ?? res.stderr.trim().split('\n').pop() ?? '') || `exit ${res.exitCode}`;
    if (s.ok?.test(res.stderr)) continue;
    throw new PluginError(s.argv[0] ?? '?', `${s.argv.join(' ')}: ${msg}`, res.exitCode);
  }
}

/** Interface names in the outer namespace (the host's, or a named one). */
async function outerLinks(run: Runner, ns: string | undefined): Promise<Set<string>> {
  if (ns && !existsSync(`/run/netns/${ns}`)) return new Set();
  const res = await run({ argv: ipIn(ns, '-j', 'link', 'show') });
  if (res.exitCode !== 0) return new Set();
  const r = z.safeParse(linkListSchema, JSON.parse(res.stdout || '[]'));
  return new Set(r.success ? r.data.map((l) => l.ifname) : []);
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
 * Creates and removes topology links for containers. Every method runs under the state lock;
 * the records in the state dir, not the files, say what to remove.
 */
export class TopologyEngine {
  constructor(
    private readonly store: StateStore,
    private readonly run: Runner,
  ) {}

  /** Make the container's links (idempotent). On failure everything made for it is removed. */
  up(topo: Topology, c: TopologyContainer): Promise<UpResult> {
    return this.store.locked(async () => {
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
          if (ns && !existsSync(`/run/netns/${ns}`)) {
            await runSteps(this.run, namespacePlan(ns));
            this.own({ kind: 'namespace', name: ns });
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
        topologyRecords.put(this.store, rec);
      } catch (err) {
        await this.removeLinks(rec).catch(() => undefined);
        throw err;
      }
      return result;
    });
  }

  /** Remove a container's topology links (all, or those on `devs`), and shared things left unused. */
  down(id: string, devs?: ReadonlySet<string>): Promise<string[]> {
    return this.store.locked(async () => {
      const rec = topologyRecords.get(this.store, id);
      if (!rec) return [];
      if (!devs) return this.removeLinks(rec);
      const gone = rec.links.filter((l) => devs.has(l.dev));
      const keep = rec.links.filter((l) => !devs.has(l.dev));
      await this.removeLinks({ ...rec, links: gone, tables: [] }, false);
      rec.links = keep;
      await this.syncNat(rec);
      topologyRecords.put(this.store, rec);
      await this.releaseShared();
      return gone.map((l) => `${id}/${l.dev}`);
    });
  }

  /** The record, for commands at poststart. */
  record(id: string): TopologyRecord | undefined {
    return topologyRecords.get(this.store, id);
  }

  /** Records whose container is gone: removed like a poststop would. Must run under the lock. */
  async collect(): Promise<string[]> {
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

  /** The container's nat/forward table per outer namespace, rebuilt from its recorded links. */
  private async syncNat(rec: TopologyRecord): Promise<void> {
    const table = natTableName(rec.id);
    const byNs = new Map<string, RecordedLink[]>();
    for (const l of rec.links)
      if (l.ip && (l.nat || l.forward?.length)) byNs.set(l.ns ?? '', [...(byNs.get(l.ns ?? '') ?? []), l]);
    for (const t of rec.tables)
      if (!byNs.has(t.ns ?? '')) await runSteps(this.run, natDeletePlan(t.ns, t.name));
    rec.tables = [];
    for (const [nsKey, links] of byNs) {
      const ns = nsKey || undefined;
      rec.tables.push({ ...(ns ? { ns } : {}), name: table });
      await runSteps(
        this.run,
        natPlan(
          ns,
          table,
          links.map((l) => ({ ip: l.ip ?? '', nat: l.nat, forward: l.forward ?? [] })),
        ),
      );
    }
  }

  /** Remove recorded links and tables (each step may find its object gone already). */
  private async removeLinks(rec: TopologyRecord, whole = true): Promise<string[]> {
    const netns = netnsAlive(rec.netns) ? rec.netns.path : undefined;
    const errors: string[] = [];
    const tryRun = async (steps: Step[]) => {
      try {
        await runSteps(this.run, steps);
      } catch (err) {
        errors.push((err as Error).message);
      }
    };
    for (const l of [...rec.links].reverse()) await tryRun(linkDeletePlan(l, netns));
    for (const t of rec.tables) await tryRun(natDeletePlan(t.ns, t.name));
    if (whole) {
      topologyRecords.remove(this.store, rec.id);
      await this.releaseShared();
    }
    if (errors.length) throw new PluginError('ip', `topology: ${rec.id}: ${errors.join('; ')}`);
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
      if (o.ns && !existsSync(`/run/netns/${o.ns}`) && o.kind !== 'namespace') continue;
      await runSteps(
        this.run,
        o.kind === 'namespace' ? namespaceDeletePlan(o.name) : deviceDeletePlan(o.ns, o.name),
      );
    }
    topologyRecords.putOwned(this.store, keep);
  }
}
