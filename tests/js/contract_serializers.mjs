// Records serialized by Confluent's JavaScript serializers
// (@confluentinc/schemaregistry) and produced with kafkajs to loch topics
// whose contract rejects bad records (confluent.value.schema.validation=true,
// loch.contract.policy=reject): the broker's decoders must accept what the
// real serializers write (Avro with logical types, JSON Schema, Protobuf with
// a nested message index) and refuse what breaks the schema with
// INVALID_RECORD.
// Usage: node contract_serializers.mjs BROKER REGISTRY_URL
// Prints "ok <check>" per passed check; exits 1 on the first failure.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import {
  SchemaRegistryClient, SerdeType, AvroSerializer, JsonSerializer, ProtobufSerializer,
} from '@confluentinc/schemaregistry';
import { create, createFileRegistry, createMutableRegistry } from '@bufbuild/protobuf';
import {
  FileDescriptorSetSchema, FieldDescriptorProto_Type as Type, FieldDescriptorProto_Label as Label,
} from '@bufbuild/protobuf/wkt';

const { Kafka, logLevel } = kafkajs;
const [broker, url] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'loch-contract-js', brokers: [broker], logLevel: logLevel.NOTHING,
  retry: { retries: 2 } });
const client = new SchemaRegistryClient({ baseURLs: [url], cacheCapacity: 100 });
const ok = (what) => console.log(`ok ${what}`);

const admin = kafka.admin();
await admin.connect();
const strict = [{ name: 'confluent.value.schema.validation', value: 'true' },
  { name: 'loch.contract.policy', value: 'reject' }];
await admin.createTopics({ waitForLeaders: true, topics: ['avro-strict', 'json-strict', 'proto-strict']
  .map((topic) => ({ topic, numPartitions: 1, configEntries: strict })) });
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();

async function send(topic, values) {
  const result = await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  assert.equal(result[0].errorCode, 0);
}
async function refused(topic, value, name) {
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'bad', value }] });
  } catch (e) {
    const text = `${e.type ?? ''} ${e.message} ${e.cause?.type ?? ''}`;
    assert.match(text, /INVALID_RECORD|not valid|contract/i, `${name}: ${text}`);
    ok(`${name}: refused by the broker (${e.type ?? e.cause?.type ?? e.name})`);
    return;
  }
  assert.fail(`${name}: accepted`);
}

// ---------------------------------------------------------------- AVRO, logical types
const payment = {
  type: 'record', name: 'Payment', namespace: 'loch.test', fields: [
    { name: 'id', type: 'long' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['CARD', 'CASH'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ] };
await client.register('avro-strict-value', { schemaType: 'AVRO', schema: JSON.stringify(payment) });
const avroSer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
const avroValues = [];
for (let i = 0; i < 20; i++) {
  avroValues.push(await avroSer.serialize('avro-strict', {
    // avsc (the serializer's Avro library) writes logical types as their
    // underlying type: days, milliseconds, unscaled big-endian bytes.
    id: i, amount: Buffer.from([0x04, 0xD2]), day: 19723 + i,
    at: 1700000000000 + i, ref: '0e5b7c1a-1234-4abc-9def-0123456789ab',
    note: i % 2 ? `n${i}` : null, kind: i % 2 ? 'CASH' : 'CARD', tags: ['a', `t${i}`],
  }));
}
await send('avro-strict', avroValues);
ok('avro: 20 records with decimal, date, timestamp-millis, uuid, union, enum, array accepted');
await refused('avro-strict', Buffer.concat([avroValues[0].subarray(0, 8)]), 'avro: truncated record');

// ---------------------------------------------------------------- JSON Schema
const personSchema = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string', maxLength: 8 },
  day: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['id', 'name'] };
await client.register('json-strict-value', { schemaType: 'JSON', schema: JSON.stringify(personSchema) });
const jsonSer = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true, validate: true });
const jsonValues = [];
for (let i = 0; i < 20; i++) jsonValues.push(await jsonSer.serialize('json-strict', { id: i, name: `p${i}`, day: '2024-02-29', tags: ['x'] }));
await send('json-strict', jsonValues);
ok('json: 20 records accepted');
const lax = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true, validate: false });
await refused('json-strict', await lax.serialize('json-strict', { id: 1, name: 'a name far too long' }),
  'json: a document breaking maxLength');

// ---------------------------------------------------------------- PROTOBUF, second message
const files = createFileRegistry(create(FileDescriptorSetSchema, {
  file: [{
    name: 'loch/test/contract.proto', package: 'loch.test', syntax: 'proto3',
    messageType: [{
      name: 'Event',
      field: [
        { name: 'at', number: 1, type: Type.INT64, label: Label.OPTIONAL, jsonName: 'at' },
        { name: 'name', number: 2, type: Type.STRING, label: Label.OPTIONAL, jsonName: 'name' },
      ],
    }, {
      name: 'Other',
      field: [{ name: 'x', number: 1, type: Type.INT32, label: Label.OPTIONAL, jsonName: 'x' }],
    }],
  }],
}));
const protoFile = files.getFile('loch/test/contract.proto');
const protoSer = new ProtobufSerializer(client, SerdeType.VALUE,
  { autoRegisterSchemas: true, registry: createMutableRegistry(protoFile) });
const Event = files.getMessage('loch.test.Event');
const Other = files.getMessage('loch.test.Other');
const protoValues = [];
for (let i = 0; i < 10; i++) protoValues.push(await protoSer.serialize('proto-strict', create(Event, { at: BigInt(i), name: `e${i}` })));
for (let i = 0; i < 10; i++) protoValues.push(await protoSer.serialize('proto-strict', create(Other, { x: i })));
assert.equal(protoValues[10][5], 2, 'Other is message index [1]: count 1, index 1 as zigzag varints');
await send('proto-strict', protoValues);
ok('protobuf: 20 records (message indexes [0] and [1]) accepted');
const garbage = Buffer.concat([protoValues[0].subarray(0, 6), Buffer.from([0xff, 0xff, 0xff])]);
await refused('proto-strict', garbage, 'protobuf: bytes that are not the message');

await producer.disconnect();
