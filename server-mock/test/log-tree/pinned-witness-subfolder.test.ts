/**
 * The log pinned at enrolment as the device's fork witness, over loopback HTTP (spec/21 §7):
 * the reference client creates a top folder and a sub-folder and reads the tree back, each
 * checked in the log. The tree keys a sub-folder by its encrypted name while the log names it by
 * its server file id; a witness asked under the name finds no entry and refused the client's own
 * honest `folder.create` with LOG_ENTRY_MISSING (E2EE-LOG-150).
 */
import { describe, expect, it } from 'vitest';
import { startAdversary } from '../adversary/_server.js';
import {
  createTopFolder,
  dropFile,
  enrol,
  logTrustKey,
  makeSubfolder,
  openTopFolder,
  pinnedLogWitness,
  shareFolder,
} from '../../../reference/src/client/index.js';
import type { LogTrust } from '../../../reference/src/log/index.js';
import { MemoryStateStore } from '../../../reference/src/state/index.js';

describe('E2EE-LOG-150 the pinned log witnesses sub-folders under their file id', () => {
  it('E2EE-LOG-150 E2EE-LOG-064 E2EE-LOG-062: enrol, pinned log as witness, create a folder and a sub-folder, read the tree: no refusal, both logged under file ids', async () => {
    const server = await startAdversary(
      { alice: 'alice-pw' },
      { transparencyLog: 'sealfold.test/log' },
    );
    try {
      const state = new MemoryStateStore();
      const account = { baseUrl: server.url, userId: 'alice', password: 'alice-pw' };
      const { device } = await enrol({ account, state });
      expect(device.log).toBeDefined();
      const verifying = { ...device, witness: pinnedLogWitness(device.ctx, state, device.log!) };
      const top = await createTopFolder(verifying, 'top');
      const { handle, folderId } = await makeSubfolder(verifying, top, 'docs');
      const read = await openTopFolder(verifying, 'top');
      expect(Object.keys(read.state.docs).sort()).toEqual(Object.keys(handle.state.docs).sort());
      const trust = await state.get<LogTrust>(logTrustKey(server.url));
      const subFileId = handle.locations[folderId]!.fileId;
      expect(subFileId).toMatch(/^\d+$/);
      expect(Object.keys(trust!.folders).sort()).toEqual([top.state.rootId, subFileId].sort());
    } finally {
      await server.close();
    }
  });

  it('E2EE-LOG-003 E2EE-LOG-062: a filedrop merge is logged with the signer of the signature it keeps, so members still read the folder through the pinned log', async () => {
    const server = await startAdversary(
      { alice: 'alice-pw', bob: 'bob-pw' },
      { transparencyLog: 'sealfold.test/log' },
    );
    try {
      const state = new MemoryStateStore();
      const account = { baseUrl: server.url, userId: 'alice', password: 'alice-pw' };
      const { device } = await enrol({ account, state });
      const alice = { ...device, witness: pinnedLogWitness(device.ctx, state, device.log!) };
      const bobState = new MemoryStateStore();
      const { device: bob } = await enrol({
        account: { baseUrl: server.url, userId: 'bob', password: 'bob-pw' },
        state: bobState,
      });
      const top = await shareFolder(alice, await createTopFolder(alice, 'top'), 'bob');
      await dropFile(bob, 'top', { filename: 'dropped.txt', content: new Uint8Array([1, 2, 3]) });
      // The stored bytes changed (the drop is merged into the document); the signature did not.
      const read = await openTopFolder(alice, 'top');
      expect(read.state.rootId).toBe(top.state.rootId);
      const trust = await state.get<LogTrust>(logTrustKey(server.url));
      expect(trust!.folders[top.state.rootId]).toBeDefined();
    } finally {
      await server.close();
    }
  });
});
