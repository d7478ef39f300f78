import type { Schema } from '../schema';
import type { CacheEntry, ContainerRecord } from './schemas';

/**
 * What the state areas, the ledger and the upgrade need of the store (StateStore implements
 * it). A separate interface so those modules never import store.ts, which imports them.
 */
export interface StateFiles {
  locked<T>(fn: () => Promise<T>): Promise<T>;
  path(...parts: string[]): string;
  readJson<T>(rel: string, schema: Schema<T>): T | undefined;
  writeJson(rel: string, data: unknown, opts?: { durable?: boolean }): void;
  remove(rel: string): void;
  list(dir: string): string[];
  skipCorrupt<T>(read: () => T | undefined): T | undefined;
  getContainer(id: string): ContainerRecord | undefined;
  putContainer(rec: ContainerRecord): void;
  putCache(entry: CacheEntry): void;
  cacheFiles(): string[];
  readCacheFile(file: string): CacheEntry | undefined;
  removeCacheFile(file: string): void;
}
