// containerd integration: 20 labelled containers started in parallel (until all are attached)
// vs 20 unlabelled ones (until all run), with the daemon watching the same containerd.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeNetwork } from '../test/helpers/cni';
import { IMAGE, startContainerd } from '../test/helpers/containerd';
import { startDaemon, waitFor } from '../test/helpers/server';
import { circuit, tmpDir, uid } from '../test/helpers/sys';
import { ratio, type Scope } from './util';

function ctrRun(socket: string, name: string, labels: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ctr', ['--address', socket, 'run', '-d', ...labels, IMAGE, name, 'sleep', '600'], {
      stdio: 'ignore',
    });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ctr run ${name}: exit ${code}`))));
  });
}

export async function containerdBench(scope: Scope, n = 20): Promise<string[]> {
  const dir = tmpDir(scope, 'circuit-bench-ctrd-');
  const stateDir = join(dir, 'state');
  const net = bridgeNetwork(scope, dir);
  circuit(['network', 'create', net.file], { stateDir });
  const ctrd = await startContainerd(dir);
  scope.after(() => ctrd.close());
  const d = await startDaemon(scope, dir, stateDir, ['--containerd', ctrd.socket]);
  const round = async (labelled: boolean) => {
    const names = Array.from({ length: n }, () => `b${uid()}`);
    const t0 = performance.now();
    await Promise.all(
      names.map((nm) =>
        ctrRun(ctrd.socket, nm, labelled ? ['--label', `io.circuit.network=${net.name}`] : []),
      ),
    );
    if (labelled) {
      const attached = () => {
        let count = 0;
        let files: string[] = [];
        try {
          files = readdirSync(join(stateDir, 'containers')).filter((x) => x.endsWith('.json'));
        } catch {
          return false;
        }
        for (const f of files) {
          try {
            const rec = JSON.parse(readFileSync(join(stateDir, 'containers', f), 'utf8'));
            if (
              names.includes(rec.name) &&
              rec.attachments.every((a: { status: string }) => a.status === 'attached')
            )
              count++;
          } catch {
            // mid-write
          }
        }
        return count === n;
      };
      await waitFor(attached, 'all attached', 120_000);
    }
    const ms = performance.now() - t0;
    for (const nm of names) ctrd.kill(nm);
    return ms;
  };
  const plain = await round(false);
  const labelled = await round(true);
  await d.stop();
  return [
    '',
    `containerd: ${n} containers started in parallel`,
    `  labelled, until all attached: ${(labelled / 1000).toFixed(2)} s = ${ratio(labelled, plain)} unlabelled, until all ran (${(plain / 1000).toFixed(2)} s)`,
  ];
}
