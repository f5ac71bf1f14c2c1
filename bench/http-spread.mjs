// `npm run bench:http`'s load over many URLs: autocannon's CLI takes one URL, so the scenario
// that reads many different batches runs autocannon's API here, in its own process. Each request
// takes the next path in turn, so concurrent requests seldom name the same batch.
// Usage: node bench/http-spread.mjs '{"url":"http://h:p","paths":["/a","/b"],"connections":50,"seconds":10,"headers":{}}'
// Prints autocannon's result as JSON on stdout (the shape `autocannon -j` prints).
import process from 'node:process';
import autocannon from 'autocannon';

const { url, paths, connections, seconds, headers } = JSON.parse(process.argv[2] ?? '{}');
if (typeof url !== 'string' || !Array.isArray(paths) || paths.length === 0) throw new Error('http-spread: need url and paths');
let next = 0;
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  headers,
  requests: [
    {
      setupRequest: (req) => {
        req.path = paths[next++ % paths.length];
        return req;
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result));
