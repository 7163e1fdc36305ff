import type { Redis } from 'ioredis';

const COALESCED = Symbol('coalesced');

type CoalescedStream = NodeJS.WritableStream & { cork(): void; uncork(): void; [COALESCED]?: true };

/**
 * Sends the commands a client is given during one event-loop turn in one socket write (pattern:
 * write coalescing). ioredis writes every command to the socket at once, so 50 concurrent
 * requests that each need one Redis call cost 50 write syscalls, and Redis 50 reads; corked
 * until the turn's check phase (setImmediate), they cost one of each. Replies, ordering,
 * timeouts and errors are unchanged: the bytes are the same, only the syscalls are fewer. A
 * command issued alone (sparse traffic) is written at the end of the same turn.
 *
 * Measured on a 2-core AMD EPYC box, where a syscall costs about three times what it does on the
 * Intel Xeon box (0.2 µs null syscall, Safe-RET mitigation): the signed-in cached list at
 * saturation took 14-30% less API CPU per request in four alternating pairs; on the Intel box the
 * same change had left throughput where it was. Applied again on every reconnect (a new socket).
 * Tested in libs/cache/test/write-coalescing.int.spec.ts (a turn's 50 commands in one socket write,
 * 50 writes without; replies in order; still coalesced after a reconnect).
 */
export function coalesceWrites(client: Redis): Redis {
  const wrap = () => {
    const stream = client.stream as unknown as CoalescedStream | undefined;
    if (!stream || stream[COALESCED]) return;
    stream[COALESCED] = true;
    const write = stream.write;
    let corked = false;
    const flush = () => {
      corked = false;
      stream.uncork();
    };
    stream.write = function coalescedWrite(this: CoalescedStream, ...args: unknown[]) {
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(flush);
      }
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as CoalescedStream['write'];
  };
  client.on('connect', wrap);
  wrap(); // already connected (a client handed over after its first connect)
  return client;
}
