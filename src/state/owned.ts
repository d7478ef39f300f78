import * as z from '../schema';
import type { StateFiles } from './files';

/**
 * One ledger of the shared kernel objects circuit created and so may remove: IPVS services
 * (lb; `name` is the service key) and topology bridges, tunnels and namespaces. Format 1 kept two
 * (`lb-owned.json`, `topology/owned.json`); upgrade.ts merges them into this one.
 */
export const OWNED_FILE = 'owned.json';

export const TOPOLOGY_KINDS = ['namespace', 'bridge', 'tunnel'] as const;
export const OWNED_KINDS = ['ipvs', ...TOPOLOGY_KINDS] as const;
export type OwnedKind = (typeof OWNED_KINDS)[number];

const ownedObject = z.object({
  kind: z.enum(OWNED_KINDS),
  ns: z.optional(z.string()),
  name: z.string(),
  /** tunnels: the bridge they serve. */
  bridge: z.optional(z.string()),
});
export type OwnedObject = z.infer<typeof ownedObject>;
export const ownedLedgerSchema = z.object({ owned: z.array(ownedObject) });

export const sameObject = (a: OwnedObject, b: OwnedObject) =>
  a.kind === b.kind && a.ns === b.ns && a.name === b.name;

export function ownedLedger(store: StateFiles) {
  const all = (): OwnedObject[] => store.readJson(OWNED_FILE, ownedLedgerSchema)?.owned ?? [];
  const write = (list: OwnedObject[]) => {
    if (list.length) store.writeJson(OWNED_FILE, { owned: list });
    else store.remove(OWNED_FILE);
  };
  return {
    all,
    /** The objects of some kinds. */
    list: (kinds: readonly OwnedKind[]): OwnedObject[] => all().filter((o) => kinds.includes(o.kind)),
    /** Replace the objects of some kinds by `list` (the others stay). */
    replace: (kinds: readonly OwnedKind[], list: OwnedObject[]) =>
      write([...all().filter((o) => !kinds.includes(o.kind)), ...list]),
    /** Add objects not recorded yet. */
    add: (list: OwnedObject[]) => {
      const cur = all();
      const fresh = list.filter(
        (o, i) => !cur.some((c) => sameObject(c, o)) && list.findIndex((x) => sameObject(x, o)) === i,
      );
      if (fresh.length) write([...cur, ...fresh]);
    },
    corrupt: (): string[] => {
      try {
        all();
        return [];
      } catch (err) {
        return [(err as Error).message];
      }
    },
  };
}
