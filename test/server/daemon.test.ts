// The daemon's own contract: socket safety, TLS rule, bad requests, metrics, clean shutdown.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { startDaemon } from '../helpers/server';
import { circuit, ROOT, sh, tmpDir, trySh } from '../helpers/sys';

let rootfs = '';

/** A digest of every file under the state dir (names, modes and contents), minus the hook log. */
function stateDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (!n.startsWith('hook.log')) h.update(`${p} ${st.mode} ${readFileSync(p, 'utf8')}\n`);
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Raw unary call with grpc-js (to send what the CLI never would). */
async function rawCall(address: string, service: string, rpc: string, req: Record<string, unknown>) {
  const { loadApi } = await import('../../src/api/transport');
  const { grpc, pkg } = await loadApi();
  const Ctor = pkg[service] as import('@grpc/grpc-js').ServiceClientConstructor;
  const client = new Ctor(address.replace(/^unix:\/\//, 'unix://'), grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  try {
    return await new Promise<{ code: number; details: string }>((resolve) => {
      (
        client as unknown as Record<
          string,
          (r: unknown, cb: (e: { code: number; details: string } | null) => void) => void
        >
      )[rpc]?.call(client, req, (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' }),
      );
    });
  } finally {
    client.close();
  }
}

describe('circuit server', { timeout: 120_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('socket 0600 in a 0700 dir; a second server refuses; SIGTERM exits 0 and removes the socket', async (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const d = await startDaemon(t, join(dir, 'run'), stateDir);
    assert.equal(statSync(d.socket).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);
    const second = circuit(['server', '--address', d.address, '--state-dir', stateDir]);
    assert.equal(second.code, 4);
    assert.match(second.err, /another circuit server is already serving on/);
    assert.equal(circuit(['--address', d.address, 'network', 'list']).code, 0, 'the first one still serves');
    assert.equal(await d.stop(), 0);
    assert.equal(trySh(['test', '-e', d.socket]).code, 1, 'socket removed');
    assert.match(d.log(), /"msg":"stopping","signal":"SIGTERM"/);
    // a stale socket (daemon SIGKILLed) does not stop the next start
    const e = await startDaemon(t, join(dir, 'run'), stateDir);
    await e.kill();
    const f = await startDaemon(t, join(dir, 'run'), stateDir);
    assert.equal(circuit(['--address', f.address, 'network', 'list']).code, 0);
  });

  it('TCP: loopback serves; off loopback without TLS is refused; with TLS it serves', async (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const refused = circuit(['server', '--address', 'tcp://198.18.0.1:8080', '--state-dir', stateDir]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /refusing to serve the API on 198\.18\.0\.1:8080 without TLS/);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const tcp = await startDaemon(t, dir, stateDir, [], { address: `tcp://127.0.0.1:${port}` });
    assert.equal(circuit(['--address', `tcp://127.0.0.1:${port}`, 'network', 'list']).code, 0);
    await tcp.stop();
    // TLS with a self-signed certificate for 127.0.0.1
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    sh([
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const tport = port + 1;
    await startDaemon(t, dir, stateDir, ['--tls-cert', cert, '--tls-key', key], {
      address: `tcp://127.0.0.1:${tport}`,
    });
    const ok = circuit(['--address', `tcp://127.0.0.1:${tport}`, 'network', 'list'], {
      env: { CIRCUIT_TLS_CA: cert },
    });
    assert.equal(ok.code, 0, ok.err);
    const plain = circuit(['--address', `tcp://127.0.0.1:${tport}`, 'network', 'list']);
    assert.equal(plain.code, 1, 'a plaintext client cannot talk to the TLS listener');
    assert.equal(circuit(['server', '--address', d0(), '--tls-cert', cert]).code, 2, 'cert without key');
  });

  it('bad requests get a clear status and change nothing; the daemon keeps serving', async (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    const d = await startDaemon(t, dir, stateDir);
    const before = stateDigest(stateDir);
    const cases: [string, string, Record<string, unknown>, number, RegExp][] = [
      ['NetworkService', 'GetNetwork', { name: '../../etc/passwd' }, 3, /invalid network name/],
      ['NetworkService', 'GetNetwork', { name: 'nope' }, 5, /network nope not found/],
      ['NetworkService', 'CreateNetwork', { configJson: '{nope' }, 3, /config_json: not valid JSON/],
      [
        'NetworkService',
        'CreateNetwork',
        { configJson: JSON.stringify({ cniVersion: '9.9.9', name: 'x', type: 'bridge' }) },
        3,
        /unsupported cniVersion/,
      ],
      [
        'NetworkService',
        'CreateNetwork',
        { name: '../x', spec: { subnets: ['198.18.9.0/24'] } },
        3,
        /invalid network name/,
      ],
      ['NetworkService', 'CreateNetwork', { configJson: 'x'.repeat(3 * 1024 * 1024) }, 8, /./],
      [
        'NetworkService',
        'CreateNetwork',
        { name: 'n', configJson: 'x'.repeat(1024 * 1024 + 10) },
        3,
        /larger than 1 MiB/,
      ],
      ['NetworkService', 'Connect', { container: '../x', network: net.name }, 3, /not a runc id or a pid/],
      ['NetworkService', 'Connect', { container: 'ghost', network: 'nonet' }, 5, /network nonet not found/],
      ['NetworkService', 'Disconnect', { container: 'x', network: '..' }, 3, /invalid network name/],
      ['NetworkService', 'DeleteNetwork', { name: 'a'.repeat(5000) }, 3, /longer than 4096/],
      ['QosService', 'SetQos', { network: net.name, options: { bogus: '1' } }, 3, /unknown option bogus/],
      [
        'QosService',
        'SetQos',
        { network: net.name, container: '../c', options: { rate: '1mbit' } },
        3,
        /--container/,
      ],
      [
        'LoadBalancerService',
        'CreateService',
        { name: 'a/b', vip: '198.18.9.1:80' },
        3,
        /invalid service name/,
      ],
      [
        'LoadBalancerService',
        'AddTargets',
        { name: 'none', targets: ['198.18.9.2:80'] },
        5,
        /service none not found/,
      ],
      ['MaintenanceService', 'Check', { container: '../../x' }, 3, /invalid container id/],
    ];
    for (const [svc, rpc, req, code, re] of cases) {
      const r = await rawCall(d.address, svc, rpc, req);
      assert.equal(r.code, code, `${svc}.${rpc} ${JSON.stringify(req).slice(0, 80)}: ${r.details}`);
      assert.match(r.details, re);
      assert.ok(!r.details.includes('\n'), 'one line');
    }
    assert.equal(stateDigest(stateDir), before, 'state dir unchanged');
    assert.equal(circuit(['--address', d.address, 'network', 'list']).code, 0, 'still serving');
    void ROOT;
  });

  it('/metrics: Prometheus text with attachments, hook and API figures after container starts', async (t) => {
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir: rc.stateDir }).code, 0);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const d = await startDaemon(t, dir, rc.stateDir, ['--metrics', `127.0.0.1:${port}`]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = rc.bundle({ cniConf: net.name });
      assert.equal((await rc.run(c.id, c.bundle)).code, 0);
      ids.push(c.id);
    }
    assert.equal(circuit(['--address', d.address, 'network', 'list']).code, 0);
    assert.equal(circuit(['--address', d.address, 'network', 'inspect', 'nope']).code, 3);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = parseProm(text);

    assert.equal(samples.get(`circuit_attachments{network="${net.name}",status="attached"}`), 3);
    assert.equal(samples.get('circuit_hook_duration_seconds_count{stage="createRuntime",outcome="ok"}'), 3);
    assert.equal(samples.get('circuit_connect_duration_seconds_count{source="hook"}'), 3);
    assert.equal(samples.get('circuit_api_calls_total{method="NetworkService/ListNetworks",code="OK"}'), 1);
    assert.equal(
      samples.get('circuit_api_calls_total{method="NetworkService/GetNetwork",code="NOT_FOUND"}'),
      1,
    );
    assert.ok((samples.get('circuit_process_resident_memory_bytes') ?? 0) > 0);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    for (const id of ids) assert.equal(rc.del(id).code, 0);
  });
});

function d0(): string {
  return 'tcp://127.0.0.1:1';
}

/** Parse the Prometheus text exposition format into sample → value (checks every line parses). */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(
        line,
      );
    assert.ok(m, `not Prometheus text: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}
