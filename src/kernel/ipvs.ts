/** IPVS through ipvsadm: availability, save, restore, counters (parsing stays with the planner). */
import { existsSync } from 'node:fs';
import type { Runner } from '../runner';
import { observe, runStep } from './step';

/** IPVS is usable when /proc/net/ip_vs exists (after trying to load the module). */
export async function ipvsAvailable(run: Runner): Promise<boolean> {
  if (existsSync('/proc/net/ip_vs')) return true;
  await run({ argv: ['modprobe', '-q', 'ip_vs'] }).catch(() => undefined);
  return existsSync('/proc/net/ip_vs');
}

/** `ipvsadm -Sn`: every virtual service, in save format. */
export const ipvsSave = (run: Runner): Promise<string> => observe(run, { argv: ['ipvsadm', '-Sn'] });

/** `ipvsadm -R`: one batch of edit lines. */
export async function ipvsRestore(run: Runner, lines: readonly string[]): Promise<void> {
  if (lines.length > 0) await runStep(run, { argv: ['ipvsadm', '-R'], input: `${lines.join('\n')}\n` });
}

/** `ipvsadm -Ln --stats --exact`: per-service and per-target counters. */
export const ipvsStats = (run: Runner): Promise<string> =>
  observe(run, { argv: ['ipvsadm', '-Ln', '--stats', '--exact'] });
