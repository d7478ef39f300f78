import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../errors';
import { firstIssue } from '../names';
import type { Schema } from '../schema';
import * as z from '../schema';
import { writeFileAtomic } from './atomic';
import { withLock } from './lock';
import {
  type CacheEntry,
  type ContainerRecord,
  cacheEntrySchema,
  containerRecordSchema,
  type NetworkRecord,
  networkRecordSchema,
} from './schemas';

/**
 * The state directory. Every read-modify-write happens inside `locked()`.
 * Readers that find nothing return undefined; nothing is created until a write.
 */
export class StateStore {
  constructor(readonly root: string) {}

  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.root, fn);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  readJson<T>(rel: string, schema: Schema<T>): T | undefined {
    const file = this.path(rel);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError(`cannot read ${file}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new StateError(`state file ${file} is corrupt (not JSON); run "circuit gc" to repair`);
    }
    const r = z.safeParse(schema, doc);
    if (!r.success) {
      throw new StateError(
        `state file ${file} is corrupt (${firstIssue(r.error)}); run "circuit gc" to repair`,
      );
    }
    return r.data;
  }

  /** Atomic write; `durable: false` for records a reboot makes moot (see writeFileAtomic). */
  writeJson(rel: string, data: unknown, opts: { durable?: boolean } = {}): void {
    writeFileAtomic(this.path(rel), `${JSON.stringify(data, null, 2)}\n`, opts.durable ?? true);
  }

  remove(rel: string): void {
    rmSync(this.path(rel), { force: true });
  }

  /** File names in a state subdirectory (no temp files). */
  list(dir: string): string[] {
    try {
      return readdirSync(this.path(dir)).filter((f) => !f.startsWith('.'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StateError(`cannot list ${this.path(dir)}: ${(err as Error).message}`);
    }
  }

  /**
   * Remove temp files of atomic writes whose writer died mid-write (`.tmp-<pid>-<rand>`, see
   * writeFileAtomic). Returns what was removed.
   */
  sweepTemps(alive: (pid: number) => boolean): string[] {
    const removed: string[] = [];
    for (const dir of ['', 'networks', 'containers', 'cache/results', 'qos', 'lb']) {
      let names: string[];
      try {
        names = readdirSync(this.path(dir));
      } catch {
        continue;
      }
      for (const f of names) {
        const m = /^\.tmp-(\d+)-[0-9a-z-]+$/.exec(f);
        if (m && !alive(Number(m[1]))) {
          rmSync(this.path(dir, f), { force: true });
          removed.push(dir ? `${dir}/${f}` : f);
        }
      }
    }
    return removed;
  }

  // --- networks -----------------------------------------------------------
  getNetwork(name: string): NetworkRecord | undefined {
    return this.readJson(`networks/${name}.json`, networkRecordSchema);
  }
  putNetwork(rec: NetworkRecord): void {
    this.writeJson(`networks/${rec.name}.json`, rec);
  }
  removeNetwork(name: string): void {
    this.remove(`networks/${name}.json`);
  }
  networkNames(): string[] {
    return this.list('networks')
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  // --- containers ---------------------------------------------------------
  hasContainer(id: string): boolean {
    return existsSync(this.path(`containers/${id}.json`));
  }
  getContainer(id: string): ContainerRecord | undefined {
    return this.readJson(`containers/${id}.json`, containerRecordSchema);
  }
  putContainer(rec: ContainerRecord): void {
    if (rec.attachments.length === 0) this.removeContainer(rec.id);
    else this.writeJson(`containers/${rec.id}.json`, rec, { durable: false });
  }
  removeContainer(id: string): void {
    this.remove(`containers/${id}.json`);
  }
  containerIds(): string[] {
    return this.list('containers')
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  // --- CNI result cache (libcni cniCacheV1 layout) ------------------------
  cacheName(network: string, container: string, ifName: string): string {
    return `cache/results/${network}-${container}-${ifName}`;
  }
  getCache(network: string, container: string, ifName: string): CacheEntry | undefined {
    return this.readJson(this.cacheName(network, container, ifName), cacheEntrySchema);
  }
  putCache(entry: CacheEntry): void {
    this.writeJson(this.cacheName(entry.networkName, entry.containerId, entry.ifName), entry, {
      durable: false,
    });
  }
  removeCache(network: string, container: string, ifName: string): void {
    this.remove(this.cacheName(network, container, ifName));
  }
  cacheFiles(): string[] {
    return this.list('cache/results');
  }
}
