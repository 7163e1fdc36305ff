import { Logger } from '@nestjs/common';
import type { AppConfig } from '@conduit/config';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import { chatDeliveryErrors } from './chat.metrics.js';

/** Redis Streams adapter settings (one stream per key prefix, so test runs never share one). */
const BLOCK_TIME_MS = 2_000;
const STREAM_TTL_MS = 3_600_000;
const CLOSE_FLUSH_TIMEOUT_MS = 1_000;
/** During a publish outage, how often the publisher PINGs Redis to end it (and send the resync). */
const OUTAGE_PROBE_MS = 1_000;

export interface ChatAdapterRedis {
  /** Factory passed to Socket.IO's `adapter` option. */
  adapterFactory: ReturnType<typeof createAdapter>;
  /**
   * Called with the time of the first failure when a publish succeeds again after failing
   * (Redis down, frozen, unreachable): events published meanwhile reached only local clients.
   */
  onPublishRecovered(listener: (failedSince: number) => void): void;
  /** Flushes what is in flight (bounded), then disconnects. */
  close(): Promise<void>;
}

/**
 * Socket.IO adapter over Redis Streams, hardened for Redis outages.
 *
 * Protects against: the process exiting when Redis goes away. With the pub/sub adapter a publish
 * rejected during an outage is never caught and Node exits (seen with @socket.io/redis-adapter 8.3
 * and socket.io 4.8; the Streams adapter survived the same outage). Here:
 *  - every command promise of every adapter client gets a no-op rejection handler (`guard`), so
 *    nothing the adapter fires and forgets (PUBLISH, persistSession's SET, SUBSCRIBE) can become
 *    an unhandled rejection (measured: without it, a client reconnecting during the outage test
 *    makes persistSession's SET reject unhandled and main.ts exits the process);
 *  - the publisher fails fast (no offline queue, commandTimeout): a broadcast during an outage
 *    still reaches this instance's own clients (ClusterAdapter falls back to local delivery) and
 *    is counted in chat_delivery_errors_total; the message itself is already in PostgreSQL and
 *    clients recover it from history on (re)join with `since`;
 *  - the stream reader and subscriber queue while offline and reconnect forever, so cross-instance
 *    delivery resumes by itself when Redis returns (XREAD continues from its last offset);
 *  - the publisher's reconnection (or the first successful publish) after failures reports the
 *    outage (onPublishRecovered): the server then tells every client, on every instance, to
 *    resync from history, even in a room where nobody writes again.
 * Tested in apps/api/test/chat/chat-redis-outage.spec.ts; benchmarked by `npm run bench:chat`.
 */
export function createChatAdapterRedis(config: AppConfig): ChatAdapterRedis {
  const { publisher, readers } = createAdapterClients(config);
  const prefix = `${config.REDIS_KEY_PREFIX}sio:`;
  const factory = createAdapter(publisher, {
    streamName: `${prefix}stream`,
    channelPrefix: `${prefix}ch`,
    sessionKeyPrefix: `${prefix}session:`,
    blockTimeInMs: BLOCK_TIME_MS,
    maxLen: 10_000,
  });

  // The stream key is refreshed to expire an hour after the last live instance: streams left
  // behind by stopped deployments or test runs do not pile up in Redis.
  const streamTtl = setInterval(() => void publisher.pexpire(`${prefix}stream`, STREAM_TTL_MS).catch(() => {}), 60_000);
  streamTtl.unref();

  return {
    ...trackPublishOutages(factory, publisher),
    async close() {
      clearInterval(streamTtl);
      for (const reader of readers) reader.disconnect();
      // QUIT is answered after every command sent before it: the last messages' XADD and the
      // closed sockets' session SETs reach Redis, so clients reconnecting elsewhere recover them.
      // Bounded: a frozen Redis must not hold the shutdown.
      const quit = publisher.quit().catch(() => undefined);
      await Promise.race([quit, new Promise((r) => setTimeout(r, CLOSE_FLUSH_TIMEOUT_MS).unref())]);
      publisher.disconnect();
    },
  };
}

interface AdapterClients {
  /** Fails fast: a publish during an outage is rejected at once (then delivered locally only). */
  publisher: Redis;
  /** The adapter's duplicates of the publisher (XREAD loop, SUBSCRIBE), added as it creates them. */
  readers: Redis[];
}

/** The adapter's Redis connections, every one guarded, errors logged at most every 10 s. */
function createAdapterClients(config: AppConfig): AdapterClients {
  const logger = new Logger('ChatAdapterRedis');
  const base: RedisOptions = {
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 1_000),
    keepAlive: 10_000,
  };
  let lastLog = 0;
  const onError = (err: Error) => {
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      logger.warn(`socket.io adapter redis unavailable: ${err.message}`);
    }
  };
  const readers: Redis[] = [];
  const publisher = guard(
    new Redis(config.REDIS_URL, {
      ...base,
      connectionName: `sio-pub-${config.INSTANCE_ID}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1_000,
    }),
  );
  publisher.on('error', onError);
  // The adapter duplicates the client for its XREAD loop and its SUBSCRIBE connection:
  // those must wait through an outage (offline queue, no retry limit) instead of failing fast,
  // or the read loop would spin and subscriptions would be lost.
  publisher.duplicate = () => {
    const reader = guard(
      new Redis(config.REDIS_URL, {
        ...base,
        connectionName: `sio-read-${config.INSTANCE_ID}`,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        blockingTimeout: 10_000,
        blockingTimeoutGrace: 2_000,
      }),
    );
    reader.on('error', onError);
    readers.push(reader);
    return reader;
  };
  return { publisher, readers };
}

/**
 * Wraps the adapter factory so every adapter's publishes are watched: a failure counts in
 * chat_delivery_errors_total and starts an outage; it ends, calling the onPublishRecovered listener
 * with the time of the first failure, at the next successful publish OR as soon as a PING through
 * the publisher answers again (every OUTAGE_PROBE_MS), whichever comes first. Without the second,
 * a room that goes quiet after the
 * outage (the last messages were published while Redis was away) would never be told to resync:
 * nothing publishes again. If the resync's own publish fails (Redis flapping), the next outage
 * keeps the earlier start, so the next resync still covers the first gap.
 * Tested in apps/api/test/chat/chat-redis-outage.spec.ts and chat-redis-outage-quiet.spec.ts.
 */
function trackPublishOutages(factory: ReturnType<typeof createAdapter>, publisher: Redis): Pick<ChatAdapterRedis, 'adapterFactory' | 'onPublishRecovered'> {
  let failedSince: number | null = null;
  /** The start of the outage just reported, until a publish succeeds after the report. */
  let reportedSince: number | null = null;
  let recovered: (failedSince: number) => void = () => {};
  let probe: NodeJS.Timeout | undefined;
  let probing = false;
  const report = () => {
    clearInterval(probe);
    probe = undefined;
    if (failedSince === null) return;
    const since = failedSince;
    failedSince = null;
    reportedSince = since;
    setImmediate(() => recovered(since));
  };
  // While an outage lasts, one PING per interval (never two in flight; the publisher fails fast
  // while disconnected and times out while Redis is frozen) ends it once Redis answers.
  const startProbing = () => {
    probe ??= setInterval(() => {
      if (probing) return;
      probing = true;
      publisher
        .ping()
        .then(report, () => {})
        .finally(() => (probing = false));
    }, OUTAGE_PROBE_MS);
    probe.unref();
  };
  // A plain function (not an arrow): Socket.IO calls it with `new`.
  const adapterFactory = function (nsp: Parameters<typeof factory>[0]) {
    const adapter = factory(nsp) as unknown as { doPublish(message: unknown): Promise<string> };
    const doPublish = adapter.doPublish.bind(adapter);
    adapter.doPublish = (message) =>
      doPublish(message).then(
        (offset) => {
          if (failedSince !== null) report();
          else reportedSince = null;
          return offset;
        },
        (error: unknown) => {
          failedSince ??= reportedSince ?? Date.now();
          startProbing();
          chatDeliveryErrors.inc({ stage: 'adapter_publish' });
          throw error;
        },
      );
    return adapter;
  } as unknown as ReturnType<typeof createAdapter>;
  return {
    adapterFactory,
    onPublishRecovered(listener) {
      recovered = listener;
    },
  };
}

/** Marks every command promise of this client as handled; callers that await still see the error. */
function guard(client: Redis): Redis {
  const sendCommand = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    const promise = sendCommand(...args);
    (promise as Promise<unknown> | undefined)?.catch?.(() => {});
    return promise;
  }) as Redis['sendCommand'];
  return client;
}
