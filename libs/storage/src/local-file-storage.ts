import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import { assertStorageKey, InvalidStorageKeyError, type FileStorage } from './file-storage.js';

/** FileStorage on a local (or shared network) directory: STORAGE_DIR. */
export class LocalFileStorage implements FileStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    assertStorageKey(key);
    const path = resolve(this.root, key);
    // Belt and braces on top of the key pattern: the path must stay under the root.
    if (!path.startsWith(this.root + sep)) throw new InvalidStorageKeyError(`storage key escapes the root: "${key}"`);
    return path;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename: readers (the API serving a file) never see a half-written file.
    const temp = join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(temp, data);
    await rename(temp, path);
  }

  async read(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async open(key: string) {
    const path = this.path(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { stream: createReadStream(path), size: info.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
