import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Peer, qosLab } from './qos';
import { defer, trySh } from './sys';

/** A bridge network with a client and `n` backends, each running busybox httpd that answers its name. */
export async function lbLab(t: Pick<TestContext, 'after'>, n = 3) {
  const lab = qosLab(t, n + 1);
  // LB state lives in the host kernel: remove every service before the state dir goes (LIFO)
  defer(t, () => {
    lab.cli(['lb', 'clear']);
  });
  const [client, ...backends] = lab.peers as [Peer, ...Peer[]];
  for (const [i, b] of backends.entries()) {
    const www = join(lab.dir, `www${i}`);
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), `backend${i}\n`);
    const p = spawn(
      'ip',
      ['netns', 'exec', b.ns, 'busybox', 'httpd', '-f', '-p', `${b.ip}:8080`, '-h', www],
      {
        stdio: 'ignore',
      },
    );
    defer(t, () => {
      p.kill('SIGKILL');
    });
  }
  for (const b of backends) {
    for (
      let i = 0;
      i < 100 && !trySh(['ip', 'netns', 'exec', b.ns, 'ss', '-ltnH', 'sport', '= :8080']).out.trim();
      i++
    ) {
      await new Promise((r) => setTimeout(r, 30));
    }
  }
  // a VIP outside the bridge subnet, routed to the host by the containers' 198.18.0.0/15 route
  const vip = `198.19.${200 + Math.floor(Math.random() * 50)}.${10 + Math.floor(Math.random() * 200)}`;
  return { ...lab, client, backends, vip };
}

/** `count` HTTP requests from the client to url; returns how many each backend answered. */
export function requests(client: Peer, url: string, count: number): Record<string, number> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    // busybox 1.35's wget crashes with -q or -T; bound the request with a timeout instead
    const r = spawnSync('ip', ['netns', 'exec', client.ns, 'busybox', 'wget', '-O', '-', url], {
      encoding: 'utf8',
      timeout: 3000,
    });
    const name = r.status === 0 ? r.stdout.trim() : 'error';
    seen[name] = (seen[name] ?? 0) + 1;
  }
  return seen;
}

export function near(actual: number | undefined, target: number, tolerance = 0.1): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - target) <= target * tolerance,
    `${actual} ≈ ${target} ±${tolerance * 100}%`,
  );
}
