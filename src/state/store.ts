import { type Dirent, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../errors';
import { firstIssue } from '../names';
import type { Schema } from '../schema';
import * as z from '../schema';
import { JsonArea } from './area';
import { writeFileAtomic } from './atomic';
import { cacheFileName, legacyCacheFileName } from './cache-names';
import { CorruptRecordError } from './corrupt';
import { withLock } from './lock';
import {
  type CacheEntry,
  type ContainerRecord,
  cacheEntrySchema,
  containerRecordSchema,
  type NetworkRecord,
  networkRecordSchema,
} from './schemas';

export { CorruptRecordError } from './corrupt';

/** The layout version this code writes (the marker file `state-format` in the state dir). */
export const STATE_FORMAT = 2;
export const FORMAT_FILE = 'state-format';

const CACHE_DIR = 'cache/results';

/**
 * The state directory. Every read-modify-write happens inside `locked()`.
 * Readers that find nothing return undefined; nothing is created until a write.
 * The areas (networks, containers, CNI cache here; qos, lb, topology, docker and the owned-objects
 * ledger in their own modules of src/state/) own their file names and schemas: nothing outside
 * src/state/ builds a path in the state dir.
 */
export class StateStore {
  /** Where a corrupt record skipped by a many-record read is reported (the daemon: its log). */
  warn: (msg: string, fields: { file: string; error: string }) => void = (msg, f) =>
    process.stderr.write(`circuit: warning: ${msg}: ${f.file}: ${f.error}\n`);
  private readonly warned = new Set<string>();
  /** The marker says format 2, or this process upgraded or marked the dir. */
  private formatKnown = false;
  /** This process marked a dir that was empty (the marker goes again if it empties). */
  private markedFresh = false;

  readonly networks = new JsonArea(this, 'networks', networkRecordSchema);
  readonly containers = new JsonArea(this, 'containers', containerRecordSchema, false);

  constructor(readonly root: string) {}

  /**
   * Run fn holding the global state lock. The first time in a process, a state dir in an older
   * layout is upgraded in place first (see upgrade.ts; idempotent, then marked by `state-format`).
   */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.root, async () => {
      if (!this.formatKnown) {
        if (this.format() >= STATE_FORMAT) this.formatKnown = true;
        else if (this.holdsRecords()) {
          const { upgradeState } = await import('./upgrade');
          upgradeState(this);
          writeFileAtomic(this.path(FORMAT_FILE), `${STATE_FORMAT}\n`);
          this.formatKnown = true;
        }
      }
      try {
        return await fn();
      } finally {
        this.settleMarker();
      }
    });
  }

  /**
   * A dir that holds records carries the marker; an empty one (new, or emptied again by an undone
   * first write) none, so a refused first command leaves nothing behind.
   */
  private settleMarker(): void {
    if (this.formatKnown && !this.markedFresh) return;
    const holds = this.holdsRecords();
    if (holds && !this.formatKnown) {
      writeFileAtomic(this.path(FORMAT_FILE), `${STATE_FORMAT}\n`);
      this.formatKnown = true;
      this.markedFresh = true;
    } else if (!holds && this.markedFresh) {
      rmSync(this.path(FORMAT_FILE), { force: true });
      this.formatKnown = false;
      this.markedFresh = false;
    }
  }

  /** Whether any file but the lock, the hook log, the marker and temp files is in the state dir. */
  private holdsRecords(): boolean {
    const bookkeeping = new Set(['lock', 'hook.log', 'hook.log.1', FORMAT_FILE]);
    const walk = (dir: string): boolean => {
      let entries: Dirent[];
      try {
        entries = readdirSync(this.path(dir), { withFileTypes: true });
      } catch {
        return false;
      }
      return entries.some((e) => {
        if (e.name.startsWith('.') || (dir === '' && bookkeeping.has(e.name))) return false;
        return e.isDirectory() ? walk(dir ? `${dir}/${e.name}` : e.name) : true;
      });
    };
    return walk('');
  }

  /** The layout version of the state dir (1: written before the marker existed). */
  format(): number {
    try {
      return Number.parseInt(readFileSync(this.path(FORMAT_FILE), 'utf8'), 10) || 1;
    } catch {
      return 1;
    }
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /**
   * One record, for the state areas of src/state/ (nothing outside src/state/ builds a path).
   * A corrupt record is a CorruptRecordError (exit 6).
   */
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
      throw new CorruptRecordError(file, 'not JSON');
    }
    const r = z.safeParse(schema, doc);
    if (!r.success) throw new CorruptRecordError(file, firstIssue(r.error));
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
   * The policy for a corrupt record on a path that reads many (lists, reconcile, sync, metrics,
   * DNS): skip it, say so once (per file and reason, per process), go on. Other errors propagate.
   */
  skipCorrupt<T>(read: () => T | undefined): T | undefined {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      const key = `${err.file}\0${err.reason}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.warn('skipped a corrupt state record (run "circuit gc")', { file: err.file, error: err.reason });
      }
      return undefined;
    }
  }

  /**
   * Remove temp files of atomic writes whose writer died mid-write (`.tmp-<pid>-<rand>`, see
   * writeFileAtomic), in every directory of the state dir. Returns what was removed.
   */
  sweepTemps(alive: (pid: number) => boolean): string[] {
    const removed: string[] = [];
    const walk = (dir: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(this.path(dir), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          walk(rel);
          continue;
        }
        const m = /^\.tmp-(\d+)-[0-9a-z-]+$/.exec(e.name);
        if (m && !alive(Number(m[1]))) {
          rmSync(this.path(rel), { force: true });
          removed.push(rel);
        }
      }
    };
    walk('');
    return removed.sort();
  }

  // --- networks -----------------------------------------------------------
  getNetwork(name: string): NetworkRecord | undefined {
    return this.networks.get(name);
  }
  putNetwork(rec: NetworkRecord): void {
    this.networks.put(rec.name, rec);
  }
  removeNetwork(name: string): void {
    this.networks.remove(name);
  }
  networkNames(): string[] {
    return this.networks.keys();
  }
  /** Every readable network record (a corrupt one is skipped with a warning). */
  allNetworks(): NetworkRecord[] {
    return this.networks.all();
  }

  // --- containers ---------------------------------------------------------
  hasContainer(id: string): boolean {
    return this.containers.has(id);
  }
  getContainer(id: string): ContainerRecord | undefined {
    return this.containers.get(id);
  }
  putContainer(rec: ContainerRecord): void {
    if (rec.attachments.length === 0) this.removeContainer(rec.id);
    else this.containers.put(rec.id, rec);
  }
  removeContainer(id: string): void {
    this.containers.remove(id);
  }
  containerIds(): string[] {
    return this.containers.keys();
  }
  /** Every readable container record (a corrupt one is skipped with a warning). */
  allContainers(): ContainerRecord[] {
    return this.containers.all();
  }

  // --- CNI result cache (libcni's cniCacheV1 entries) ---------------------
  /**
   * `cache/results/<network>:<container>:<ifName>`; ":" is in none of the three, so two
   * attachments never share a file (libcni's `-` joins `a-b`+`c` and `a`+`b-c` into one name).
   */
  cacheName(network: string, container: string, ifName: string): string {
    return `${CACHE_DIR}/${cacheFileName(network, container, ifName)}`;
  }
  getCache(network: string, container: string, ifName: string): CacheEntry | undefined {
    const entry = this.readJson(this.cacheName(network, container, ifName), cacheEntrySchema);
    if (entry) return entry;
    // written before the format-2 names (until the state dir is upgraded): only if it is this key's
    const old = this.legacyCache(network, container, ifName);
    return old && sameKey(old, network, container, ifName) ? old : undefined;
  }
  putCache(entry: CacheEntry): void {
    this.writeJson(this.cacheName(entry.networkName, entry.containerId, entry.ifName), entry, {
      durable: false,
    });
  }
  removeCache(network: string, container: string, ifName: string): void {
    this.remove(this.cacheName(network, container, ifName));
    const old = this.skipCorrupt(() => this.legacyCache(network, container, ifName));
    if (old && sameKey(old, network, container, ifName))
      this.remove(`${CACHE_DIR}/${legacyCacheFileName(network, container, ifName)}`);
  }
  /** File names in the cache (either naming). */
  cacheFiles(): string[] {
    return this.list(CACHE_DIR);
  }
  /** One cache file by its name in cacheFiles() (CorruptRecordError if it does not parse). */
  readCacheFile(file: string): CacheEntry | undefined {
    return this.readJson(`${CACHE_DIR}/${file}`, cacheEntrySchema);
  }
  removeCacheFile(file: string): void {
    this.remove(`${CACHE_DIR}/${file}`);
  }

  private legacyCache(network: string, container: string, ifName: string): CacheEntry | undefined {
    if (!existsSync(this.path(CACHE_DIR))) return undefined;
    return this.readJson(`${CACHE_DIR}/${legacyCacheFileName(network, container, ifName)}`, cacheEntrySchema);
  }
}

const sameKey = (e: CacheEntry, network: string, container: string, ifName: string) =>
  e.networkName === network && e.containerId === container && e.ifName === ifName;
