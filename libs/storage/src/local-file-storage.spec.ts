import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidStorageKeyError } from './file-storage.js';
import { LocalFileStorage } from './local-file-storage.js';

describe('LocalFileStorage', () => {
  const root = mkdtempSync(join(tmpdir(), 'conduit-storage-spec-'));
  const storage = new LocalFileStorage(join(root, 'store'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('puts, reads, opens and deletes files under the root', async () => {
    await storage.put('images/a-64.webp', Buffer.from('abc'));
    expect((await storage.read('images/a-64.webp'))!.toString()).toBe('abc');
    const opened = (await storage.open('images/a-64.webp'))!;
    expect(opened.size).toBe(3);
    opened.stream.destroy();
    await storage.delete('images/a-64.webp');
    expect(await storage.read('images/a-64.webp')).toBeNull();
    expect(await storage.open('images/a-64.webp')).toBeNull();
    await storage.delete('images/a-64.webp'); // deleting twice is fine
  });

  it('refuses keys that could leave the root', async () => {
    writeFileSync(join(root, 'secret.txt'), 'secret');
    for (const key of ['../secret.txt', '/etc/passwd', 'images/../../secret.txt', '..', 'a/b/c.txt', 'images\\..\\x', '', '.hidden', 'images/..']) {
      await expect(storage.read(key), key).rejects.toThrow(InvalidStorageKeyError);
      await expect(storage.put(key, Buffer.from('x')), key).rejects.toThrow(InvalidStorageKeyError);
    }
  });
});
