import type { OpsInstance, OpsOverview } from '@conduit/contracts';
import { useAuth } from '../app-context.js';
import { ErrorList } from '../ui/error-list.js';
import { OPS_REFRESH_MS, useOpsOverview } from './use-ops-overview.js';

const dash = '—';
const fixed = (value: number | null | undefined, digits: number, unit = '') => (value === null || value === undefined ? dash : `${value.toFixed(digits)}${unit}`);
const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? dash : `${(ratio * 100).toFixed(1)}%`);
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'];

/**
 * /ops: what Grafana would show, without Docker: every instance and its state, requests/s, p95,
 * cache hit ratio, shed rate, chat connections and queue depths, refreshed every 2 s. Signed-in
 * operators only: the API decides (403 for anyone else); this page only shows its answer.
 */
export function OpsPage() {
  const auth = useAuth();
  const signedIn = auth.status === 'signed-in';
  const { overview, reads, error } = useOpsOverview(signedIn);
  if (!signedIn)
    return (
      <div className="container page">
        <p>Sign in as an operator to see this page.</p>
      </div>
    );
  return (
    <div className="container page ops-page">
      <h1>Operations</h1>
      {error && (error.status === 403 ? <p role="alert">This page is for operators only.</p> : <ErrorList error={error} />)}
      {overview && <Overview overview={overview} reads={reads} />}
    </div>
  );
}

function Overview({ overview, reads }: { overview: OpsOverview; reads: number }) {
  const { totals } = overview;
  const workers = overview.instances.filter((i) => i.queues);
  return (
    <>
      <p role="status" aria-live="polite">
        Updated {new Date(overview.at).toLocaleTimeString()} by {overview.servedBy} (read {reads}, every {OPS_REFRESH_MS / 1000} s). Rates are since the previous read.
      </p>
      <p>
        Requests/s <strong>{fixed(totals.requestsPerSecond, 1)}</strong> · shed/s <strong>{fixed(totals.shedPerSecond, 2)}</strong> · chat connections <strong>{totals.chatConnections}</strong>
      </p>
      <InstancesTable instances={overview.instances} />
      {workers.map((w) => (
        <QueuesTable key={w.name} worker={w} />
      ))}
    </>
  );
}

function InstancesTable({ instances }: { instances: OpsInstance[] }) {
  return (
    <table className="ops-table" aria-label="Instances">
      <thead>
        <tr>
          {['Instance', 'State', 'Requests/s', 'p95', 'Cache hit ratio', 'Shed/s', 'Chat connections'].map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {instances.map((i) => (
          <tr key={i.name} data-state={i.state}>
            <th scope="row">{i.name}</th>
            <td title={i.detail}>
              {i.state}
              {i.detail ? ` (${i.detail})` : ''}
            </td>
            <td>{fixed(i.requestsPerSecond, 1)}</td>
            <td>{fixed(i.p95Ms, 1, ' ms')}</td>
            <td>{percent(i.cacheHitRatio)}</td>
            <td>{fixed(i.shedPerSecond, 2)}</td>
            <td>{i.chatConnections ?? dash}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function QueuesTable({ worker }: { worker: OpsInstance }) {
  return (
    <table className="ops-table" aria-label={`Queues (${worker.name})`}>
      <thead>
        <tr>
          <th scope="col">Queue</th>
          {QUEUE_STATES.map((s) => (
            <th key={s} scope="col">
              {s}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {Object.entries(worker.queues ?? {}).map(([queue, depths]) => (
          <tr key={queue}>
            <th scope="row">{queue}</th>
            {QUEUE_STATES.map((s) => (
              <td key={s}>{depths[s] ?? 0}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
