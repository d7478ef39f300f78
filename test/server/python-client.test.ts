// Debian's python3-grpcio compiles the repo's .proto and drives the daemon: the API is a contract
// that any stock gRPC client can use (health included); reflection answers a grpc-js client.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { bridgeNetwork, leases } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { startDaemon } from '../helpers/server';
import { circuit, ROOT, sh, tmpDir, trySh } from '../helpers/sys';

const PY = '/usr/bin/python3';
let rootfs = '';

describe('stock gRPC clients', { timeout: 120_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('python3-grpcio: create, connect a runc container, ips, qos, lb, and the error statuses', async (t) => {
    const dir = tmpDir(t);
    const gen = join(dir, 'gen');
    sh(['mkdir', '-p', gen]);
    const protoc = trySh([
      PY,
      '-m',
      'grpc_tools.protoc',
      `-I${join(ROOT, 'src/api/proto')}`,
      `-I${join(ROOT, 'node_modules/grpc-health-check/proto')}`,
      `--python_out=${gen}`,
      `--grpc_python_out=${gen}`,
      'circuit/v1/circuit.proto',
      'health/v1/health.proto',
    ]);
    assert.equal(protoc.code, 0, protoc.err);
    const rc = runcEnv(t, dir, rootfs);
    const net = bridgeNetwork(t, dir);
    const d = await startDaemon(t, dir, rc.stateDir);
    const c = rc.bundle({ hooks: false });
    assert.equal((await rc.run(c.id, c.bundle)).code, 0);
    const r = trySh([
      PY,
      join(ROOT, 'test/fixtures/grpc/client.py'),
      gen,
      d.address,
      net.file,
      c.id,
      rc.root,
    ]);
    process.stdout.write(`python client said:\n${r.out}`);
    assert.equal(r.code, 0, r.out + r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], 'ok health SERVING');
    assert.ok(lines.includes(`ok create ${net.name} True`));
    assert.ok(
      lines.some((l) => new RegExp(`^ok ips ${net.name}=${net.prefix}\\.\\d+@eth0$`).test(l)),
      r.out,
    );
    assert.ok(
      lines.some((l) => /^ok qos 2 rate 20mbit/.test(l)),
      r.out,
    );
    assert.ok(lines.includes("ok lb True [('pysvc', 1)]"), r.out);
    for (const [step, code] of [
      ['unknown-network', 'NOT_FOUND'],
      ['bad-name', 'INVALID_ARGUMENT'],
      ['bad-qos', 'INVALID_ARGUMENT'],
      ['bad-vip', 'INVALID_ARGUMENT'],
      ['in-use', 'FAILED_PRECONDITION'],
      ['unknown-lb', 'NOT_FOUND'],
    ])
      assert.ok(
        lines.some((l) => l.startsWith(`status ${step} ${code} `)),
        `${step}: ${r.out}`,
      );
    assert.ok(lines.includes('ok teardown True True'));
    assert.deepEqual(leases(net), []);
    assert.equal(circuit(['network', 'list', '--json'], { stateDir: rc.stateDir }).out.trim(), '[]');
  });

  it('server reflection lists the circuit services (grpc-js reflection client)', async (t) => {
    const dir = tmpDir(t);
    const d = await startDaemon(t, dir, join(dir, 'state'));
    const grpc = await import('@grpc/grpc-js');
    const loader = await import('@grpc/proto-loader');
    const def = loader.loadSync('grpc/reflection/v1/reflection.proto', {
      includeDirs: [join(ROOT, 'node_modules/@grpc/reflection/build/proto')],
    });
    type Stream = {
      on: (ev: string, fn: (x: never) => void) => void;
      write: (m: unknown) => void;
      end: () => void;
    };
    type Client = { ServerReflectionInfo: () => Stream; close: () => void };
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (a: string, c: unknown) => Client } } };
    };
    const client = new pkg.grpc.reflection.v1.ServerReflection(d.address, grpc.credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (msg: { listServicesResponse?: { service: { name: string }[] } }) => {
        resolve((msg.listServicesResponse?.service ?? []).map((s) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ listServices: '' });
    });
    client.close();
    for (const s of [
      'NetworkService',
      'QosService',
      'LoadBalancerService',
      'MaintenanceService',
      'ClusterService',
    ])
      assert.ok(names.includes(`circuit.v1.${s}`), names.join(' '));
    assert.ok(names.includes('grpc.health.v1.Health'));
  });
});
