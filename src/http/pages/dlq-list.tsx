import type { DlqItemView, PageView } from './deps.js';
import { Layout, errorText, formatTime } from './layout.js';

export type Notice = { kind: 'replayed' | 'discarded' | 'accepted'; jobId: number };

/** Dead jobs, newest first, each linking to its full transcript. */
export function DlqListPage(props: { page: PageView<DlqItemView>; notice: Notice | null; canLogOut: boolean }) {
  const { items, nextCursor } = props.page;
  return (
    <Layout title="Dead letters" nav="dlq" canLogOut={props.canLogOut}>
      <h1>Dead letters</h1>
      {props.notice ? (
        <p class="notice" role="status" id="notice">
          {`Job ${props.notice.jobId} ${props.notice.kind}.`}
        </p>
      ) : null}
      <section class="card">
        {items.length === 0 ? (
          <p class="muted">No dead jobs.</p>
        ) : (
          <table id="dlq">
            <thead>
              <tr>
                <th>Job</th>
                <th>Batch</th>
                <th>Kind</th>
                <th>Reason</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th>Died</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr data-job-id={String(d.id)}>
                  <td>
                    <a href={`/dlq/${d.id}`}>{`#${d.id}`}</a>
                  </td>
                  <td class="muted">{d.batchId ? d.batchId.slice(0, 8) : ''}</td>
                  <td>{d.kind}</td>
                  <td>{d.reason ?? ''}</td>
                  <td class="num">{d.attempts}</td>
                  <td>{truncate(errorText(d.lastError), 160)}</td>
                  <td class="muted">{formatTime(d.diedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {nextCursor ? (
          <p>
            <a href={`/dlq?cursor=${encodeURIComponent(nextCursor)}`}>Older →</a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
