/** DI token of the shared read cache (a libs/cache VersionedCache), provided by ReadCacheModule. */
export const READ_CACHE = Symbol('READ_CACHE');
