// podman through hooks.d: `podman run --rm IMAGE true` with circuit's hook (io.circuit.network,
// one bridge network) vs `--network none` and no hook (no annotation: podman injects nothing).
// Alternating rounds, medians; a ratio, no target (the hook's own targets are the hook bench's).
import { existsSync } from 'node:fs';
import { bridgeNetwork } from '../test/helpers/cni';
import { podmanEnv, ulimitFlags } from '../test/helpers/podman';
import { CIRCUIT_BIN, CIRCUIT_EXE, circuit, tmpDir } from '../test/helpers/sys';
import { fmt, median, ratio, type Scope } from './util';

export async function podmanBench(scope: Scope, n = 15): Promise<string[]> {
  const dir = tmpDir(scope, 'circuit-bench-podman-');
  const bin = existsSync(CIRCUIT_EXE) ? CIRCUIT_EXE : CIRCUIT_BIN;
  const p = podmanEnv(scope, dir, { bin });
  const net = bridgeNetwork(scope, dir);
  const created = circuit(['network', 'create', net.file], { stateDir: p.stateDir });
  if (created.code !== 0) throw new Error(`network create: ${created.err}`);
  const once = async (hooked: boolean) => {
    const t0 = performance.now();
    const r = await p.spawn([
      'run',
      '--rm',
      '--network',
      'none',
      ...ulimitFlags(),
      ...(hooked ? ['--annotation', `io.circuit.network=${net.name}`] : []),
      p.image,
      'true',
    ]);
    if (r.code !== 0) throw new Error(`podman run: ${r.err}`);
    return performance.now() - t0;
  };
  await once(false);
  await once(true);
  const plain: number[] = [];
  const hooked: number[] = [];
  for (let i = 0; i < n; i++) {
    plain.push(await once(false));
    hooked.push(await once(true));
  }
  const [h, b] = [median(hooked), median(plain)];
  return [
    '',
    `podman ${n}x podman run --rm true (runc, vfs; hook: ${bin.endsWith('.js') ? 'node build' : 'circuit-bin'})`,
    `  with circuit's hook (one bridge network): ${fmt(h)} = ${ratio(h, b)} --network none without a hook (${fmt(b)})`,
  ];
}
