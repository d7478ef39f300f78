import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs } from './runc';
import { sh } from './sys';

/**
 * An OCI image layout tarball of a busybox-static rootfs (one uncompressed layer), whose index
 * names it `ref` (org.opencontainers.image.ref.name): what `ctr images import` takes offline.
 */
export function busyboxImageTar(dir: string, ref = 'local/busybox:latest'): string {
  const rootfs = busyboxRootfs(join(dir, 'img'));
  const layout = join(dir, 'layout');
  const blobs = join(layout, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layerFile = join(dir, 'layer.tar');
  sh(['tar', '-C', rootfs, '--numeric-owner', '-cf', layerFile, '.']);
  const layer = put(readFileSync(layerFile));
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': ref },
        },
      ],
    }),
  );
  const tar = join(dir, 'busybox-oci.tar');
  sh(['tar', '-C', layout, '-cf', tar, '.']);
  return tar;
}
