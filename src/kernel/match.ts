/**
 * The one reading of kernel tools' error text: "it is already there" and "it is not there".
 * ip, tc, nft, ethtool, ipvsadm, nsenter (a netns path that is gone) all say it in their own
 * words; every caller asks these two functions, never its own pattern.
 */
const GONE =
  /Cannot find device|does not exist|No such file or directory|No such process|not found|Invalid handle|Cannot find specified qdisc|No such device/i;
const EXISTS = /File exists|already exists/i;

/** The tool said the object (device, qdisc, table, netns, service) does not exist. */
export const isGone = (stderr: string): boolean => GONE.test(stderr);

/**
 * The tool said the network device itself does not exist (narrower than isGone: a tc batch on a
 * device that is there can fail with "No such file or directory" for a qdisc it does not have).
 */
export const isDeviceGone = (stderr: string): boolean =>
  /Cannot find device|Device "[^"]*" does not exist|No such device/i.test(stderr);

/** The tool said the object it was asked to create is there already. */
export const isExists = (stderr: string): boolean => EXISTS.test(stderr);

/** A kernel feature the tool reports as missing, in words a user can act on (else undefined). */
export function missingFeature(stderr: string): string | undefined {
  if (/Specified qdisc kind is unknown|Unknown qdisc "netem"/.test(stderr))
    return 'this kernel has no netem (sch_netem): delay/loss unavailable';
  return undefined;
}

/** The last meaningful line of a tool's stderr, on one line. */
export function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? '').replace(/\s+/g, ' ');
}
