export { FILE_STORAGE, assertStorageKey, InvalidStorageKeyError, type FileStorage } from './file-storage.js';
export { LocalFileStorage } from './local-file-storage.js';
