// Which containers are podman's and what podman calls them (pure over files in a temp dir).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPodman, podmanName } from '../../src/oci/podman';
import { tmpDir, uid } from '../helpers/sys';

describe('podman containers', () => {
  it('are told by io.container.manager=libpod', () => {
    assert.equal(isPodman({ 'io.container.manager': 'libpod' }), true);
    assert.equal(isPodman({ 'io.container.manager': 'cri-o' }), false);
    assert.equal(isPodman({}), false);
  });

  it("are named from containers/storage's containers.json next to the bundle, else by short id", (t) => {
    const dir = tmpDir(t);
    const id = uid(32);
    const storage = join(dir, 'overlay-containers');
    const bundle = join(storage, id, 'userdata');
    mkdirSync(bundle, { recursive: true });
    assert.equal(podmanName(id, bundle), id.slice(0, 12), 'no containers.json');
    writeFileSync(join(storage, 'containers.json'), 'not json');
    assert.equal(podmanName(id, bundle), id.slice(0, 12), 'unreadable');
    writeFileSync(
      join(storage, 'containers.json'),
      JSON.stringify([
        { id: uid(32), names: ['other'] },
        { id, names: ['web', 'alias'], image: 'x' },
      ]),
    );
    assert.equal(podmanName(id, bundle), 'web');
    assert.equal(podmanName(id, join(dir, 'elsewhere')), id.slice(0, 12), 'not a podman layout');
    writeFileSync(join(storage, 'containers.json'), JSON.stringify([{ id, names: ['../../evil name'] }]));
    assert.equal(podmanName(id, bundle), id.slice(0, 12), 'a name circuit cannot store');
    writeFileSync(join(storage, 'containers.json'), JSON.stringify([{ id }]));
    assert.equal(podmanName(id, bundle), id.slice(0, 12), 'no names');
  });
});
