// Steady mixed load for the fault scenarios, built from the load driver's parts: virtual users
// running the shared journeys (anonymous = cached GETs, signed-in readers = uncached/per-user
// GETs + writes, writers = POST article + comment) through undici pools bound to loopback source
// addresses 127.0.0.2-250, plus a login loop (fresh sign-ins all along). Every request becomes a
// phase sample (phase-stats.ts). Chat clients run separately (chat-probe.ts).
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceAddressPool, sendHttp } from '../driver/http-client.ts';
import { Recorder } from '../driver/recorder.ts';
import { runVirtualUser } from '../driver/virtual-user.ts';
import { journeyByName, loginCall, type JourneyName } from '../shared/journeys.ts';
import { accountEmail, resolveSettings, type LoadSettings } from '../shared/settings.ts';
import type { Sample } from './phase-stats.ts';

/** Recorder that also keeps every request as a sample. */
class SamplingRecorder extends Recorder {
  constructor(private readonly sink: Sample[]) {
    super();
  }

  override recordHttp(journey: string, endpoint: string, ms: number, status: number, statusOk: boolean, bodyOk: boolean, error?: string): void {
    this.sink.push({ at: performance.now() - ms, method: endpoint.split(' ')[0], endpoint, status, ms, error });
    super.recordHttp(journey, endpoint, ms, status, statusOk, bodyOk, error);
  }
}

export interface SteadyLoadOptions {
  baseUrl: string;
  /** Virtual users per journey. */
  users: Partial<Record<JourneyName, number>>;
  /** Sign-ins per second from the login loop (accounts loginFirstAccount..). */
  loginsPerSecond: number;
  loginFirstAccount: number;
  requestTimeoutMs: number;
}

export class SteadyLoad {
  readonly samples: Sample[] = [];
  readonly settings: LoadSettings;
  private readonly pool = new SourceAddressPool({ first: 2, last: 250, connectionsPerAddress: 8 });
  private readonly ctrl = new AbortController();
  private readonly running: Promise<void>[] = [];
  private readonly rec = new SamplingRecorder(this.samples);
  private loginSeq = 0;

  constructor(private readonly opts: SteadyLoadOptions) {
    this.settings = resolveSettings({ BASE_URL: opts.baseUrl, THINK_MIN_MS: '150', THINK_MAX_MS: '600', REQUEST_TIMEOUT_MS: String(opts.requestTimeoutMs), ACCOUNTS: '1000' });
  }

  start(): void {
    setMaxListeners(0, this.ctrl.signal); // every virtual user listens to the one stop signal
    let vu = 0;
    for (const [name, count] of Object.entries(this.opts.users) as Array<[JourneyName, number]>) {
      for (let i = 0; i < count; i++) {
        vu += 1;
        const journey = journeyByName(name);
        this.running.push(runVirtualUser({ settings: this.settings, vu, journey, pool: this.pool, rec: this.rec, roomIds: [], stop: this.ctrl.signal, startJitterMs: 1_000 }).catch(() => {}));
      }
    }
    if (this.opts.loginsPerSecond > 0) this.running.push(this.loginLoop());
  }

  /** Samples sent in [from, to) (performance.now()). */
  between(from: number, to = Infinity): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }

  private async loginLoop(): Promise<void> {
    const gap = 1000 / this.opts.loginsPerSecond;
    while (!this.ctrl.signal.aborted) {
      const n = this.opts.loginFirstAccount + (this.loginSeq++ % (1000 - this.opts.loginFirstAccount));
      const email = accountEmail(this.settings, n);
      void sendHttp(this.opts.baseUrl, this.pool.agentFor(n), loginCall(email, this.settings.accountPassword), undefined, this.opts.requestTimeoutMs).then((res) => {
        this.samples.push({ at: performance.now() - res.ms, method: 'POST', endpoint: 'POST /api/users/login', status: res.status, ms: res.ms, error: res.error });
      });
      await sleep(gap, undefined, { signal: this.ctrl.signal }).catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.ctrl.abort();
    await Promise.race([Promise.allSettled(this.running), sleep(15_000)]);
    await this.pool.close();
  }
}
