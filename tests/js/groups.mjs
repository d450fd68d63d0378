// kafkajs 2.2 against `loch serve`: node groups.mjs BROKER PHASE
//
// phase "before-restart": admin (createTopics, fetchTopicMetadata,
//   describeConfigs), a producer, and a consumer group that reads every record
//   and commits (fetchOffsets, listGroups, describeGroups check it).
// phase "after-restart": the group resumes after its committed offsets and
//   reads only new records; resetOffsets rewinds it to the start; then
//   deleteGroups and deleteTopics.
// Prints "ok <what>" per check; exits 1 at the first failure.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [broker, phase] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'loch-js-test', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
const topic = 'js-orders';
const groupId = 'js-group';

function ok(what) {
  console.log(`ok ${what}`);
}

async function produce(prefix, count) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ key: `k${i % 5}`, value: `${prefix}-${i}` });
  const result = await producer.send({ topic, messages, acks: -1 });
  assert.ok(result.every((r) => r.errorCode === 0), 'produce errors');
  await producer.disconnect();
}

// Runs a group member until it has `count` records and a second with no new
// one, checks the group while it runs, and disconnects (commit + LeaveGroup).
async function consume(count, whileRunning) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500 });
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
  while (Date.now() < deadline && !(values.length >= count && Date.now() - lastArrival > 1000)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (whileRunning) await whileRunning();
  await consumer.disconnect();
  return values;
}

async function committed(admin) {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  assert.equal(offsets.topic, topic);
  return offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

const admin = kafka.admin();
await admin.connect();

if (phase === 'before-restart') {
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
  ok('createTopics');
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(metadata.topics[0].name, topic);
  assert.equal(metadata.topics[0].partitions.length, 3);
  ok('fetchTopicMetadata');
  const configs = await admin.describeConfigs({
    resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['cleanup.policy'] }],
    includeSynonyms: false,
  });
  const policy = configs.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy');
  assert.equal(policy.configValue, 'delete');
  ok('describeConfigs');

  await produce('a', 30);
  ok('producer');

  const values = await consume(30, async () => {
    const [described] = (await admin.describeGroups([groupId])).groups;
    assert.equal(described.state, 'Stable');
    assert.equal(described.protocolType, 'consumer');
    assert.equal(described.members.length, 1);
    assert.equal(described.members[0].clientId, 'loch-js-test');
    ok('describeGroups while running');
  });
  assert.deepEqual(values.sort(), Array.from({ length: 30 }, (_, i) => `a-${i}`).sort());
  ok('consumer group read every record once');

  const offsets = await committed(admin);
  assert.equal(offsets.length, 3);
  assert.equal(offsets.reduce((a, b) => a + b, 0), 30);
  ok('fetchOffsets');
  const { groups } = await admin.listGroups();
  assert.ok(groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'), JSON.stringify(groups));
  ok('listGroups');
  const [after] = (await admin.describeGroups([groupId])).groups;
  assert.equal(after.state, 'Empty');
  ok('describeGroups after leave');
} else if (phase === 'after-restart') {
  assert.equal((await committed(admin)).reduce((a, b) => a + b, 0), 30);
  ok('fetchOffsets after restart');
  await produce('b', 6);
  const resumed = await consume(6);
  assert.deepEqual(resumed.sort(), Array.from({ length: 6 }, (_, i) => `b-${i}`).sort());
  ok('consumer group resumed after its commit');
  assert.equal((await committed(admin)).reduce((a, b) => a + b, 0), 36);

  await admin.resetOffsets({ groupId, topic, earliest: true });
  const rewound = await consume(36);
  assert.equal(rewound.length, 36);
  ok('resetOffsets to earliest');

  const deleted = await admin.deleteGroups([groupId]);
  assert.equal(deleted[0].errorCode, 0);
  assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId));
  assert.deepEqual(await committed(admin), [-1, -1, -1]);
  ok('deleteGroups');
  await admin.deleteTopics({ topics: [topic] });
  assert.ok(!(await admin.listTopics()).includes(topic));
  ok('deleteTopics');
} else {
  throw new Error(`unknown phase ${phase}`);
}
await admin.disconnect();
