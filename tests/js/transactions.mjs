// kafkajs 2.2 transactions against `loch serve`: node transactions.mjs BROKER
//
// A transactional producer commits one transaction and aborts another on
// topic js-txn; a third commits consumer offsets with sendOffsets. Then a
// read_committed consumer (kafkajs' default) sees exactly the committed
// records in order, a read_uncommitted one sees both, and the group's
// offsets are the ones sent in the committed transaction.
// Prints "ok <what>" per check; exits 1 at the first failure.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [broker] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'loch-js-txn', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
const topic = 'js-txn';

function ok(what) {
  console.log(`ok ${what}`);
}

function records(prefix, count) {
  return Array.from({ length: count }, (_, i) => ({ value: `${prefix}-${i}`, partition: 0 }));
}

async function readAll(readUncommitted, expected) {
  const consumer = kafka.consumer({ groupId: `js-txn-reader-${readUncommitted}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  let lastArrival = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value.toString());
      lastArrival = Date.now();
    },
  });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline && !(values.length >= expected && Date.now() - lastArrival > 1500)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await consumer.disconnect();
  return values;
}

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });

const producer = kafka.producer({ transactionalId: 'js-txn-producer', idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

const committed = await producer.transaction();
await committed.send({ topic, messages: records('committed', 10) });
await committed.commit();
ok('transaction committed');

const aborted = await producer.transaction();
await aborted.send({ topic, messages: records('aborted', 10) });
await aborted.abort();
ok('transaction aborted');

const withOffsets = await producer.transaction();
await withOffsets.send({ topic, messages: records('second', 5) });
await withOffsets.sendOffsets({
  consumerGroupId: 'js-txn-offsets',
  topics: [{ topic, partitions: [{ partition: 0, offset: '7' }] }],
});
await withOffsets.commit();
ok('transaction with sendOffsets committed');
await producer.disconnect();

const expected = [...records('committed', 10), ...records('second', 5)].map((r) => r.value);
const readCommitted = await readAll(false, expected.length);
assert.deepEqual(readCommitted, expected);
ok('read_committed consumer sees the committed records only, in order');

const readUncommitted = await readAll(true, 25);
assert.equal(readUncommitted.length, 25);
assert.equal(readUncommitted.filter((v) => v.startsWith('aborted-')).length, 10);
ok('read_uncommitted consumer sees the aborted records too');

const [offsets] = await admin.fetchOffsets({ groupId: 'js-txn-offsets', topics: [topic] });
assert.equal(offsets.partitions[0].offset, '7');
ok('offsets sent in the transaction are committed');
await admin.disconnect();
