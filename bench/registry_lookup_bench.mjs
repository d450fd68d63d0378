// Registry lookups under many concurrent keep-alive clients, against a
// running `loch serve` (or any Confluent-compatible registry):
//   node bench/registry_lookup_bench.mjs http://127.0.0.1:8081 [clients] [seconds]
// Prints requests/s for GET / (the HTTP baseline, no store work), schema by
// id, and lookup by schema (POST /subjects/{s}), each with its ratio to the
// baseline measured in the same run. Registers its own subject first.
import http from 'node:http';

const url = new URL(process.argv[2] ?? 'http://127.0.0.1:8081');
const clients = Number(process.argv[3] ?? 32);
const seconds = Number(process.argv[4] ?? 3);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent,
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' } }, (res) => {
      let data = '';
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`${res.statusCode} ${data}`))));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function measure(name, method, path, body) {
  let done = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < end) {
      await request(method, path, body);
      ++done;
    }
  }));
  return done / seconds;
}

const fields = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, type: i % 2 ? 'string' : 'long' }));
const body = JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'Bench', fields }) });
const { id } = JSON.parse(await request('POST', '/subjects/bench-value/versions', body));

const baseline = await measure('GET /', 'GET', '/');
const byId = await measure('by id', 'GET', `/schemas/ids/${id}`);
const bySchema = await measure('by schema', 'POST', '/subjects/bench-value', body);
console.log(`${clients} clients, ${seconds} s each`);
console.log(`GET / (baseline)          ${baseline.toFixed(0)} req/s`);
console.log(`GET /schemas/ids/${id}        ${byId.toFixed(0)} req/s  (${(byId / baseline).toFixed(2)}x baseline)`);
console.log(`POST /subjects/bench-value ${bySchema.toFixed(0)} req/s  (${(bySchema / baseline).toFixed(2)}x baseline)`);
agent.destroy();
