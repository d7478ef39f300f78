import { existsSync } from 'node:fs';
import { dockerArea } from './docker';
import { lbServices } from './lb';
import { ownedLedger } from './owned';
import { qosArea } from './qos';
import type { StateStore } from './store';
import { LEGACY_FILES } from './upgrade';

/**
 * The corrupt records gc can only report (it cannot rebuild them): networks, QoS, load-balancer
 * services, the Docker driver's records, the owned-objects ledger, and a format-1 ledger the
 * upgrade could not merge (it is only left behind when it does not parse). Container records,
 * cache entries and topology records gc repairs itself.
 */
export function unrepairableCorrupt(store: StateStore): string[] {
  return [
    ...store.networks.corrupt(),
    ...qosArea(store).corrupt(),
    ...lbServices(store).corrupt(),
    ...dockerArea(store).corrupt(),
    ...ownedLedger(store).corrupt(),
    ...LEGACY_FILES.filter((f) => existsSync(store.path(f))).map(
      (f) => `${store.path(f)}: a format-1 ledger that could not be merged (not valid); fix or remove it`,
    ),
  ];
}
