import type { Api } from '../api/types';
import type { Addresses, Lookup } from '../dns/answer';
import { NotFoundError, UsageError } from '../errors';

/**
 * The DNS server's lookup, from the API (cluster registry or local state): a container that is
 * not there (or cannot be named so) is no answer; any other failure goes up, answered SERVFAIL.
 */
export function apiLookup(api: Pick<Api, 'containerIps'>): Lookup {
  return async (container, network): Promise<Addresses | undefined> => {
    let rows: Awaited<ReturnType<Api['containerIps']>>;
    try {
      rows = await api.containerIps(container);
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof UsageError) return undefined;
      throw err;
    }
    const mine = rows.filter((r) => r.network === network && r.ip);
    if (mine.length === 0) return undefined;
    return {
      v4: mine.filter((r) => !r.ip.includes(':')).map((r) => r.ip),
      v6: mine.filter((r) => r.ip.includes(':')).map((r) => r.ip),
    };
  };
}
