/**
 * The SSE load generator, a process of its own (forked by bench/sse/run.ts): N raw HTTP/1.1
 * clients on `/v1/events`, each noting when every event id arrived. Minimal parsing, so the
 * generator is not what the benchmark measures.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

interface Client {
  socket: Socket;
  tail: string;
  count: number;
  open: boolean;
}

const clients: Client[] = [];
/** Event id → arrival times (ms since the epoch, sub-ms) over all clients. */
const arrivals = new Map<number, number[]>();
const now = () => performance.timeOrigin + performance.now();

function openClient(host: string, port: number, path: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c: Client = { socket: connect(port, host), tail: '', count: 0, open: false };
    c.socket.setEncoding('latin1');
    c.socket.once('connect', () => c.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`));
    c.socket.on('data', (chunk: string) => {
      const t = now();
      const text = c.tail + chunk;
      if (!c.open && text.includes(': connected')) {
        c.open = true;
        resolve(c);
      }
      let i = text.indexOf('\nid: ');
      let last = -1;
      while (i >= 0) {
        const end = text.indexOf('\n', i + 5);
        if (end < 0) break;
        const id = Number(text.slice(i + 5, end));
        let list = arrivals.get(id);
        if (!list) arrivals.set(id, (list = []));
        list.push(t);
        c.count++;
        last = end;
        i = text.indexOf('\nid: ', end);
      }
      // Keep only what may hold the start of a split `id:` line.
      c.tail = text.slice(Math.max(last, text.length - 32));
    });
    c.socket.once('error', reject);
  });
}

process.on('message', (msg: { cmd: string; url?: string; n?: number }) => {
  void (async () => {
    if (msg.cmd === 'connect' && msg.url && msg.n) {
      const u = new URL(msg.url);
      // The first frame begins the response body; a leading newline lets `\nid: ` match it.
      for (let i = 0; i < msg.n; i += 100) {
        const batch = Array.from({ length: Math.min(100, msg.n - i) }, () => openClient(u.hostname, Number(u.port), u.pathname));
        clients.push(...(await Promise.all(batch)));
      }
      process.send?.({ connected: clients.filter((c) => c.open).length });
    } else if (msg.cmd === 'collect') {
      process.send?.({
        clients: clients.length,
        perClient: clients.map((c) => c.count),
        arrivals: [...arrivals.entries()],
      });
    } else if (msg.cmd === 'close') {
      for (const c of clients) c.socket.destroy();
      clients.length = 0;
      arrivals.clear();
      process.send?.({ closed: true });
    }
  })();
});
