import type { TenantScope } from '../../accounts/index.js';
import type { JobState } from '../../engine/types.js';
import type { BatchSummary, PagesDeps, Throughput } from './deps.js';
import type { TenantUsageView } from '../../accounts/budgets.js';
import { Layout, formatTime } from './layout.js';
import { costText } from './usage-text.js';

/** The order the tiles are shown in: the path a job normally takes, then the exits. */
export const STATE_ORDER: readonly JobState[] = ['waiting', 'blocked', 'ready', 'running', 'succeeded', 'dead', 'discarded'];
export const THROUGHPUT_WINDOW_MS = 5 * 60_000;
const RECENT_BATCHES = 15;

export interface BatchRow {
  id: string;
  topic: string;
  status: string;
  done: number;
  total: number;
  createdAt: string;
}

/** What the dashboard shows, also served as JSON so the page's script can refresh it on events. */
export interface DashboardSummary {
  counts: Record<JobState, number>;
  throughput: Throughput & { windowSeconds: number };
  batches: BatchRow[];
}

function toRow(b: BatchSummary): BatchRow {
  return { id: b.id, topic: b.topic, status: b.status, done: b.progress.done, total: b.progress.total, createdAt: b.createdAt };
}

/** The dashboard of one tenant (or of all, for an admin of `default`). */
export async function loadSummary(deps: PagesDeps, scope: TenantScope): Promise<DashboardSummary> {
  const [raw, throughput, batches] = await Promise.all([
    deps.stats.countByState(scope),
    deps.stats.throughput(THROUGHPUT_WINDOW_MS, scope),
    deps.quiz.list({ limit: RECENT_BATCHES }, scope),
  ]);
  const counts = Object.fromEntries(STATE_ORDER.map((s) => [s, raw[s] ?? 0])) as Record<JobState, number>;
  return {
    counts,
    throughput: { windowSeconds: THROUGHPUT_WINDOW_MS / 1000, ...throughput },
    batches: batches.items.map(toRow),
  };
}

/** The tenant's spend tile: dollars spent (and held by calls in flight) against its budget. */
function SpendTile(props: { usage: TenantUsageView }) {
  const u = props.usage;
  const budget = u.budget === null ? 'no budget' : `of ${costText(u.budget.usd)} per ${u.budget.per}`;
  return (
    <dl class="tiles" id="spend">
      <div>
        <dt>{`spent since ${formatTime(u.period.start)}`}</dt>
        <dd data-spend="spent">{`${u.costUsd === null ? `${costText(u.spentUsd)} + unpriced` : costText(u.spentUsd)} ${budget}`}</dd>
      </div>
      <div>
        <dt>reserved by calls in flight</dt>
        <dd data-spend="reserved">{costText(u.reservedUsd)}</dd>
      </div>
      <div>
        <dt>tokens</dt>
        <dd data-spend="tokens">{String(u.tokens.spent)}</dd>
      </div>
    </dl>
  );
}

export function DashboardPage(props: { summary: DashboardSummary; canLogOut: boolean; usage?: TenantUsageView | null }) {
  const { counts, throughput, batches } = props.summary;
  const minutes = throughput.windowSeconds / 60;
  return (
    <Layout title="Dashboard" nav="dashboard" canLogOut={props.canLogOut} scripts={['dashboard.js']}>
      <div data-dashboard="" data-stream="/v1/events" data-summary="/dashboard.json">
        <h1>Dashboard</h1>
        <h2>Jobs by state</h2>
        <dl class="tiles" id="counts">
          {STATE_ORDER.map((s) => (
            <div>
              <dt class={`state-${s}`}>{s}</dt>
              <dd data-count={s}>{counts[s]}</dd>
            </div>
          ))}
        </dl>
        <h2>Throughput</h2>
        <dl class="tiles" id="throughput">
          <div>
            <dt>{`succeeded / ${minutes} min`}</dt>
            <dd data-throughput="succeeded">{`${throughput.succeeded}${throughput.capped ? '+' : ''}`}</dd>
          </div>
          <div>
            <dt>{`dead / ${minutes} min`}</dt>
            <dd data-throughput="dead">{`${throughput.dead}${throughput.capped ? '+' : ''}`}</dd>
          </div>
        </dl>
        {props.usage ? (
          <>
            <h2>Spend</h2>
            <SpendTile usage={props.usage} />
          </>
        ) : null}
        <h2>Recent batches</h2>
        <section class="card">
          <table>
            <thead>
              <tr>
                <th>Batch</th>
                <th>Topic</th>
                <th>Status</th>
                <th>Progress</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody id="batches-body">
              {batches.map((b) => (
                <tr data-batch-id={b.id}>
                  <td>
                    <a href={`/batches/${encodeURIComponent(b.id)}`}>{b.id.slice(0, 8)}</a>
                  </td>
                  <td>{b.topic}</td>
                  <td class={`status-${b.status}`}>{b.status}</td>
                  <td>
                    <progress max={Math.max(1, b.total)} value={b.done}></progress> {`${b.done}/${b.total}`}
                  </td>
                  <td class="muted">{formatTime(b.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p id="batches-empty" class="muted" hidden={batches.length > 0}>
            No batches yet.
          </p>
        </section>
        <h2>
          Live events <span id="conn" data-state="connecting">connecting…</span>
        </h2>
        <section class="card">
          <ol id="feed" aria-live="polite"></ol>
          <p id="feed-empty" class="muted">
            Waiting for events…
          </p>
        </section>
      </div>
    </Layout>
  );
}
