import { existsSync } from 'node:fs';
import type { Schema } from '../schema';
import type { StateFiles } from './files';

/**
 * One state area: a directory of JSON records, one file per key (`<dir>/<key>.json`), all of one
 * schema. `get` fails with StateError (exit 6) on a corrupt record, for commands that must change
 * that very record; `all` is for paths that read many records: it skips a corrupt one with one
 * warning line (see StateStore.skipCorrupt) and goes on.
 */
export class JsonArea<T> {
  constructor(
    private readonly store: StateFiles,
    readonly dir: string,
    private readonly schema: Schema<T>,
    /** false for records a reboot makes moot (see writeFileAtomic). */
    private readonly durable = true,
  ) {}

  /** The record's path relative to the state dir. */
  file(key: string): string {
    return `${this.dir}/${key}.json`;
  }

  has(key: string): boolean {
    return existsSync(this.store.path(this.file(key)));
  }

  get(key: string): T | undefined {
    return this.store.readJson(this.file(key), this.schema);
  }

  put(key: string, value: T): void {
    this.store.writeJson(this.file(key), value, { durable: this.durable });
  }

  /** Idempotent. */
  remove(key: string): void {
    this.store.remove(this.file(key));
  }

  keys(): string[] {
    return this.store
      .list(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  /** Every readable record; a corrupt one is skipped with one warning line. */
  all(): T[] {
    return this.keys().flatMap((k) => this.store.skipCorrupt(() => this.get(k)) ?? []);
  }

  /** Every record, failing on the first corrupt one (for changes computed from the whole area). */
  strictAll(): T[] {
    return this.keys().flatMap((k) => this.get(k) ?? []);
  }

  /** Messages for the corrupt records of this area (gc reports them). */
  corrupt(): string[] {
    const out: string[] = [];
    for (const k of this.keys()) {
      try {
        this.get(k);
      } catch (err) {
        out.push((err as Error).message);
      }
    }
    return out;
  }
}
