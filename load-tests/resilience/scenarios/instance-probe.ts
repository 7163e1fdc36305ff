// Closed-loop GETs through the load balancer that remember WHICH instance answered (x-instance-id),
// for the warm-start scenario: latency of the requests a new instance served in its first seconds.
// Representative reads (list pages, tags, an article, its comments, a profile), anonymous, from
// loopback source addresses 127.0.0.60-99 (each address its own rate-limit bucket).
import { request } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceAddressPool } from '../../driver/http-client.ts';

export interface ProbeSample {
  /** performance.now() when sent. */
  at: number;
  ms: number;
  /** 0 = no response. */
  status: number;
  instance?: string;
}

export class InstanceProbe {
  readonly samples: ProbeSample[] = [];
  private readonly pool = new SourceAddressPool({ first: 60, last: 99, connectionsPerAddress: 2 });
  private stopped = false;
  private lanes: Promise<void>[] = [];
  private paths: string[] = ['/api/tags', '/api/articles?limit=10'];

  constructor(
    private readonly baseUrl: string,
    private readonly opts: { lanes: number; pauseMs: number },
  ) {}

  async start(): Promise<void> {
    const res = await request(`${this.baseUrl}/api/articles?limit=20`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const page = (await res.body.json()) as { articles: Array<{ slug: string; author: { username: string } }> };
    for (const a of page.articles) {
      const slug = encodeURIComponent(a.slug);
      this.paths.push(`/api/articles/${slug}`, `/api/articles/${slug}/comments`, `/api/profiles/${encodeURIComponent(a.author.username)}`);
    }
    this.paths.push('/api/articles?limit=10&offset=10', '/api/articles?limit=10&offset=20');
    this.lanes = Array.from({ length: this.opts.lanes }, (_, i) => this.lane(i));
  }

  private async lane(i: number): Promise<void> {
    for (let n = i; !this.stopped; n += this.opts.lanes) {
      const path = this.paths[n % this.paths.length];
      const started = performance.now();
      try {
        const res = await request(`${this.baseUrl}${path}`, { dispatcher: this.pool.agentFor(n), headersTimeout: 10_000, bodyTimeout: 10_000 });
        await res.body.dump();
        const instance = res.headers['x-instance-id'];
        this.samples.push({ at: started, ms: performance.now() - started, status: res.statusCode, instance: typeof instance === 'string' ? instance : undefined });
      } catch {
        this.samples.push({ at: started, ms: performance.now() - started, status: 0 });
      }
      await sleep(this.opts.pauseMs);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.lanes);
    await this.pool.close();
  }
}
