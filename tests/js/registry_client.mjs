// Confluent's JavaScript schema registry client (@confluentinc/schemaregistry)
// against loch's registry: register, look up, serialize and deserialize
// AVRO, JSON and PROTOBUF records, and check that the client's
// compatibility answers agree with loch's own REST answers.
// Usage: node registry_client.mjs http://127.0.0.1:PORT
// Prints "ok <check>" per passed check; exits 1 on the first failure.
import assert from 'node:assert/strict';
import {
  SchemaRegistryClient, SerdeType, RestError,
  AvroSerializer, AvroDeserializer, JsonSerializer, JsonDeserializer,
  ProtobufSerializer, ProtobufDeserializer,
} from '@confluentinc/schemaregistry';
import { create, createFileRegistry, createMutableRegistry } from '@bufbuild/protobuf';
import {
  FileDescriptorSetSchema, FieldDescriptorProto_Type as Type, FieldDescriptorProto_Label as Label,
} from '@bufbuild/protobuf/wkt';

const url = process.argv[2];
const client = new SchemaRegistryClient({ baseURLs: [url], cacheCapacity: 100 });

function ok(name) { console.log(`ok ${name}`); }

// loch's own answer, straight over REST.
async function rest(method, path, body) {
  const response = await fetch(url + path, {
    method,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function expectRestError(promise, errorCode, name) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof RestError, `${name}: ${e}`);
    assert.equal(e.errorCode, errorCode, `${name}: ${e.message}`);
    ok(name);
    return;
  }
  assert.fail(`${name}: no error`);
}

// Client and loch agree on a candidate: testSubjectCompatibility and
// testCompatibility vs loch's /compatibility answer and its register outcome.
async function agree(subject, info, expected, name) {
  const latest = await client.testSubjectCompatibility(subject, info);
  const v1 = await client.testCompatibility(subject, 1, info);
  const loch = await rest('POST', `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, info);
  assert.equal(loch.status, 200);
  assert.equal(latest, loch.body.is_compatible, `${name}: client ${latest}, loch ${JSON.stringify(loch.body)}`);
  assert.equal(v1, loch.body.is_compatible, `${name}: v1`);
  assert.equal(latest, expected, `${name}: expected ${expected}`);
  if (!expected) {
    assert.ok(loch.body.messages.length > 0, `${name}: loch names the differences`);
    await expectRestError(client.register(subject, info), 409, `${name}: register refused with 409`);
  }
  ok(`${name}: compatibility ${expected}, client and loch agree`);
}

async function roundTrip(kind, serializer, deserializer, topic, value, expectedId, check) {
  const bytes = await serializer.serialize(topic, value);
  assert.equal(bytes[0], 0, `${kind}: magic byte`);
  assert.equal(bytes.readInt32BE(1), expectedId, `${kind}: schema id in the wire header`);
  const back = await deserializer.deserialize(topic, bytes);
  check(back);
  ok(`${kind}: serialize with id ${expectedId} and deserialize`);
  return bytes;
}

// ---------------------------------------------------------------- AVRO
const userV1 = { type: 'record', name: 'User', namespace: 'loch.test',
  fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }] };
const userV2 = { ...userV1, fields: [...userV1.fields, { name: 'email', type: ['null', 'string'], default: null }] };
const userBad = { ...userV1, fields: [...userV1.fields, { name: 'age', type: 'int' }] };
const avroInfo = (schema) => ({ schemaType: 'AVRO', schema: JSON.stringify(schema) });

const avroId = await client.register('users-value', avroInfo(userV1));
assert.ok(avroId > 0);
ok(`avro: register gives id ${avroId}`);
const latest = await client.getLatestSchemaMetadata('users-value');
assert.equal(latest.id, avroId);
assert.equal(latest.version, 1);
assert.equal(latest.subject, 'users-value');
ok('avro: latest version');
assert.equal(await client.getId('users-value', avroInfo(userV1)), avroId);
ok('avro: lookup by schema');
const byId = await client.getBySubjectAndId('users-value', avroId);
assert.deepEqual(JSON.parse(byId.schema), userV1);
ok('avro: schema by id');
assert.deepEqual(await client.getAllVersions('users-value'), [1]);
assert.ok((await client.getAllSubjects()).includes('users-value'));
ok('avro: subjects and versions');

const avroSer = new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true });
const avroDe = new AvroDeserializer(client, SerdeType.VALUE, {});
await roundTrip('avro', avroSer, avroDe, 'users', { id: 42, name: 'ada' }, avroId, (back) => {
  assert.equal(Number(back.id), 42);
  assert.equal(back.name, 'ada');
});
await agree('users-value', avroInfo(userV2), true, 'avro: optional field added');
await agree('users-value', avroInfo(userBad), false, 'avro: field without default added');
const avroId2 = await client.register('users-value', avroInfo(userV2));
assert.notEqual(avroId2, avroId);
ok('avro: version 2 registered');
// Writers of v2 now; v1 records still read by their own id.
// (a fresh client: the first one caches "latest" as version 1)
const client2 = new SchemaRegistryClient({ baseURLs: [url], cacheCapacity: 100 });
const v2Ser = new AvroSerializer(client2, SerdeType.VALUE, { useLatestVersion: true });
await roundTrip('avro v2', v2Ser, avroDe, 'users', { id: 7, name: 'bo', email: 'b@x' }, avroId2,
  (back) => assert.equal(back.email, 'b@x'));

// ---------------------------------------------------------------- JSON
const orderV1 = { type: 'object', properties: { n: { type: 'integer' }, item: { type: 'string' } }, required: ['n'] };
// Open content model (additionalProperties not false): dropping a property
// keeps old data valid; adding one is a break (Confluent's rules).
const orderOpen = { ...orderV1, properties: { n: { type: 'integer' } } };
const orderAdded = { ...orderV1, properties: { ...orderV1.properties, note: { type: 'string' } } };
const orderBad = { ...orderV1, properties: { ...orderV1.properties, n: { type: 'string' } } };
const jsonInfo = (schema) => ({ schemaType: 'JSON', schema: JSON.stringify(schema) });

const jsonDe = new JsonDeserializer(client, SerdeType.VALUE, { validate: true });
const jsonIdExplicit = await client.register('orders-value', jsonInfo(orderV1));
assert.equal(await client.getId('orders-value', jsonInfo(orderV1)), jsonIdExplicit);
const orderMeta = await client.getLatestSchemaMetadata('orders-value');
assert.equal(orderMeta.schemaType, 'JSON');
ok('json: register and latest');
const jsonSer2 = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true, validate: true });
await roundTrip('json', jsonSer2, jsonDe, 'orders', { n: 5, item: 'ink' }, jsonIdExplicit, (back) => {
  assert.deepEqual(back, { n: 5, item: 'ink' });
});
// The client validates against the schema it fetched from loch.
await assert.rejects(jsonSer2.serialize('orders', { item: 'no n' }));
ok('json: a value breaking the schema is refused by the serializer');
await agree('orders-value', jsonInfo(orderOpen), true, 'json: property removed from an open model');
await agree('orders-value', jsonInfo(orderAdded), false, 'json: property added to an open model');
await agree('orders-value', jsonInfo(orderBad), false, 'json: property type changed');

// ---------------------------------------------------------------- PROTOBUF
const files = createFileRegistry(create(FileDescriptorSetSchema, {
  file: [{
    name: 'loch/test/event.proto', package: 'loch.test', syntax: 'proto3',
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
const eventFile = files.getFile('loch/test/event.proto');
const Event = files.getMessage('loch.test.Event');
const Other = files.getMessage('loch.test.Other');
const protoSer = new ProtobufSerializer(client, SerdeType.VALUE,
  { autoRegisterSchemas: true, registry: createMutableRegistry(eventFile) });
const protoDe = new ProtobufDeserializer(client, SerdeType.VALUE, {});
const eventBytes = await protoSer.serialize('events', create(Event, { at: 1700000000000n, name: 'click' }));
const protoId = eventBytes.readInt32BE(1);
const registered = await client.getLatestSchemaMetadata('events-value');
assert.equal(registered.id, protoId);
assert.equal(registered.schemaType, 'PROTOBUF');
ok(`protobuf: auto-register on serialize gives id ${protoId}`);
const eventBack = await protoDe.deserialize('events', eventBytes);
assert.equal(eventBack.at, 1700000000000n);
assert.equal(eventBack.name, 'click');
ok('protobuf: deserialize');
// The second message type: message indexes [1] on the wire.
const otherSer = new ProtobufSerializer(client, SerdeType.VALUE,
  { autoRegisterSchemas: true, registry: createMutableRegistry(eventFile) });
const otherBytes = await otherSer.serialize('events', create(Other, { x: 9 }));
assert.equal(otherBytes.readInt32BE(1), protoId);
const otherBack = await protoDe.deserialize('events', otherBytes);
assert.equal(otherBack.x, 9);
ok('protobuf: second message type by message index');
// Compatibility, as .proto text (loch also takes the text form).
const protoText = (fields) => ({ schemaType: 'PROTOBUF',
  schema: `syntax = "proto3";\npackage loch.test;\nmessage Event {\n${fields}}\nmessage Other {\n  int32 x = 1;\n}\n` });
await agree('events-value', protoText('  int64 at = 1;\n  string name = 2;\n  string source = 3;\n'), true,
  'protobuf: field added');
// string and bytes share a wire type (compatible); int64 and string do not.
await agree('events-value', protoText('  int64 at = 1;\n  bytes name = 2;\n'), true, 'protobuf: string field as bytes');
await agree('events-value', protoText('  string at = 1;\n  string name = 2;\n'), false, 'protobuf: int64 field as string');

// ---------------------------------------------------------------- levels and errors
assert.equal(await client.updateCompatibility('users-value', 'FULL'), 'FULL');
assert.equal(await client.getCompatibility('users-value'), 'FULL');
ok('config: subject level set and read');
await agree('users-value', avroInfo({ ...userV2, fields: [...userV2.fields, { name: 'n', type: 'int', default: 0 }] }),
  true, 'avro FULL: field with default added');
await expectRestError(client.getLatestSchemaMetadata('no-such-subject'), 40401, 'error: unknown subject is 40401');
await expectRestError(client.getBySubjectAndId('users-value', 999999), 40403, 'error: unknown id is 40403');
await expectRestError(client.register('bad-value', { schemaType: 'AVRO', schema: '{"type":"recrod"}' }), 42201,
  'error: invalid schema is 42201');
