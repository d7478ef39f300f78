/** The one parser of `ip -j` output (validated), and the observations built on it. */
import { KernelError } from '../errors';
import { firstIssue } from '../names';
import type { Runner } from '../runner';
import * as z from '../schema';
import type { NetnsPath } from './netns';
import { observe, observeIfPresent } from './step';

const addrInfo = z.looseObject({
  family: z.optional(z.string()),
  local: z.string(),
  prefixlen: z.number(),
  scope: z.optional(z.string()),
});
const ipLink = z.looseObject({
  ifname: z.string(),
  ifindex: z.optional(z.number()),
  mtu: z.optional(z.number()),
  operstate: z.optional(z.string()),
  address: z.optional(z.string()),
  master: z.optional(z.string()),
  link_type: z.optional(z.string()),
  addr_info: z.optional(z.array(addrInfo)),
});
const ipLinks = z.array(ipLink);

export type IpLink = z.infer<typeof ipLink>;
export type IpAddr = z.infer<typeof addrInfo>;

/** Parse `ip -j link|addr show` output; anything else is a KernelError (never an empty list). */
export function parseIpJson(text: string, argv: readonly string[] = ['ip', '-j']): IpLink[] {
  let doc: unknown;
  try {
    // `ip -j` prints nothing at all for an empty namespace listing in some versions
    doc = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch {
    throw new KernelError(argv, `${argv.join(' ')}: output is not JSON`);
  }
  const r = z.safeParse(ipLinks, doc);
  if (!r.success)
    throw new KernelError(argv, `${argv.join(' ')}: unexpected output (${firstIssue(r.error)})`);
  return r.data;
}

/** Every link of a namespace (`ip -j link show`); a failed listing is an error. */
export async function listLinks(run: Runner, netns?: NetnsPath): Promise<IpLink[]> {
  const argv = ['ip', '-j', 'link', 'show'];
  return parseIpJson(await observe(run, { argv, netns }), argv);
}

/** The names of every link of a namespace. */
export async function linkNames(run: Runner, netns?: NetnsPath): Promise<Set<string>> {
  return new Set((await listLinks(run, netns)).map((l) => l.ifname));
}

/** One link, or undefined when it does not exist (any other failure is an error). */
export async function getLink(run: Runner, dev: string, netns?: NetnsPath): Promise<IpLink | undefined> {
  const argv = ['ip', '-j', 'addr', 'show', 'dev', dev];
  const out = await observeIfPresent(run, { argv, netns });
  return out === undefined ? undefined : parseIpJson(out, argv)[0];
}

/** Whether a link exists. */
export async function linkExists(run: Runner, dev: string, netns?: NetnsPath): Promise<boolean> {
  return (await getLink(run, dev, netns)) !== undefined;
}

/** A link's addresses as `ADDR/PREFIX` (link-local scope left out), undefined when the link is gone. */
export async function linkAddrs(run: Runner, dev: string, netns?: NetnsPath): Promise<string[] | undefined> {
  const link = await getLink(run, dev, netns);
  if (!link) return undefined;
  return (link.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
}
