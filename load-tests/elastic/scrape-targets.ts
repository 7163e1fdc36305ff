// What the stack's Prometheus scrapes, watched over time: the autoscaler rewrites the file_sd
// target lists on each scale event, and Prometheus must follow the pools (no added instance left
// unscraped, no removed one kept).

/** One job's active targets at one moment: instance ids and the URLs Prometheus scrapes. */
export interface TargetSet {
  ids: string[];
  scrapeUrls: string[];
}

interface TargetsAnswer {
  data: { activeTargets: Array<{ labels: Record<string, string>; scrapePool: string; scrapeUrl: string }> };
}

/** The active targets of `job` now, sorted by instance id. */
export async function activeTargets(prometheusUrl: string, job: string): Promise<TargetSet> {
  const res = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`Prometheus /api/v1/targets answered ${res.status}`);
  const body = (await res.json()) as TargetsAnswer;
  const targets = body.data.activeTargets.filter((t) => t.scrapePool === job).sort((a, b) => a.labels.instance_id.localeCompare(b.labels.instance_id));
  return { ids: targets.map((t) => t.labels.instance_id), scrapeUrls: targets.map((t) => t.scrapeUrl) };
}

/**
 * Polls the active targets of `jobs` every `intervalMs` and keeps each job's distinct successive
 * sets (a timeline of changes, not of polls). A failed poll is skipped.
 */
export function watchTargets(prometheusUrl: string, jobs: string[], intervalMs = 250) {
  const timeline = new Map<string, TargetSet[]>(jobs.map((job) => [job, []]));
  let stopped = false;
  const poll = async () => {
    for (const job of jobs) {
      try {
        const now = await activeTargets(prometheusUrl, job);
        const list = timeline.get(job)!;
        if (JSON.stringify(list.at(-1)) !== JSON.stringify(now)) list.push(now);
      } catch {
        /* next poll */
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    timeline,
    /** Waits (bounded) until `job`'s latest set is exactly `ids` (Prometheus's file_sd reload takes a few seconds), then stops. */
    async settle(job: string, ids: string[], timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && timeline.get(job)!.at(-1)?.ids.join() !== ids.join()) await new Promise((resolve) => setTimeout(resolve, intervalMs));
      return this.stop();
    },
    async stop() {
      stopped = true;
      await loop;
      return timeline;
    },
  };
}
