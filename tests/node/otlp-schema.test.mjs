// The OTLP/HTTP JSON validator (otlp-schema.mjs): it accepts well-formed ExportTraceServiceRequest payloads, rejects
// each kind of mistake with one precise problem, and validates every payload the C++ encoder wrote to
// tests/fixtures/otlp/*.json.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import protobuf from 'protobufjs';

import {
  encodeExportTraceServiceRequest,
  schemaInfo,
  validateExportTraceServiceRequest as validate,
} from './otlp-schema.mjs';

const FIXTURES = new URL('../fixtures/otlp/', import.meta.url);
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const SPAN = '$.resourceSpans[0].scopeSpans[0].spans[0]';

function minimal() {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
      scopeSpans: [{
        scope: { name: 'traced-eventsource', version: '0.1.0' },
        spans: [{
          traceId: TRACE_ID, spanId: SPAN_ID, name: 'GET /stream', kind: 3,
          startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000250000000',
        }],
      }],
    }],
  };
}

function rich() {
  const doc = minimal();
  doc.resourceSpans[0].schemaUrl = 'https://opentelemetry.io/schemas/1.26.0';
  Object.assign(doc.resourceSpans[0].scopeSpans[0].spans[0], {
    parentSpanId: 'eee19b7ec3c1b173', traceState: 'vendor=x', flags: 257,
    attributes: [
      { key: 's', value: { stringValue: 'héllo ✓ 🚀' } },
      { key: 'b', value: { boolValue: false } },
      { key: 'i', value: { intValue: '-9223372036854775808' } },
      { key: 'd', value: { doubleValue: 0.25 } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: '-Infinity' } },
      { key: 'bytes', value: { bytesValue: 'AAEC/w==' } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '0' }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
      { key: 'emptyArr', value: { arrayValue: {} } },
    ],
    droppedAttributesCount: 0,
    events: [{ timeUnixNano: '1700000000100000000', name: 'open', attributes: [{ key: 'n', value: { intValue: '1' } }] }],
    droppedEventsCount: 2,
    links: [{ traceId: '00000000000000000000000000000001', spanId: '0000000000000001', traceState: '', flags: 1,
      attributes: [], droppedAttributesCount: 0 }],
    droppedLinksCount: 0,
    status: { code: 2, message: 'stream aborted' },
  });
  return doc;
}

// Applies `mutate` to a fresh minimal payload's first span (and the document) and returns the problems.
function problemsAfter(mutate) {
  const doc = minimal();
  mutate(doc.resourceSpans[0].scopeSpans[0].spans[0], doc);
  return validate(JSON.stringify(doc));
}

// The mistake must produce exactly one problem, at `path`, whose text matches `re`.
function expectOne(mutate, path, re) {
  const problems = problemsAfter(mutate);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.join('\n')}`);
  assert.ok(problems[0].startsWith(`${path}: `), `wrong path: ${problems[0]}`);
  assert.match(problems[0], re);
}

test('the schema is the official opentelemetry-proto, loaded from the pinned npm package', () => {
  const info = schemaInfo();
  assert.match(info.protoVersion, /^v1\.\d+\.\d+$/);
  assert.match(info.protoPackage, /^@elastic\/mockotlpserver@\d/);
  assert.match(info.protobufjs, /^7\./);
});

test('accepts a minimal well-formed payload', () => {
  assert.deepEqual(validate(JSON.stringify(minimal())), []);
});

test('accepts a payload using every AnyValue member, events, links, status, flags and NaN/Infinity doubles', () => {
  assert.deepEqual(validate(JSON.stringify(rich())), []);
  assert.deepEqual(validate(JSON.stringify(rich(), null, 2)), [], 'whitespace does not matter');
});

test('accepts bytes input, requires it to be UTF-8', () => {
  assert.deepEqual(validate(Buffer.from(JSON.stringify(rich()))), []);
  const bytes = Buffer.from(JSON.stringify(minimal()).replace('GET /stream', 'GET \u00ff'), 'latin1');
  assert.deepEqual(validate(bytes), ['$: payload bytes are not valid UTF-8 (OTLP/JSON is UTF-8 JSON)']);
});

test('encodes a valid payload to binary protobuf that decodes to the same span', () => {
  const binary = encodeExportTraceServiceRequest(JSON.stringify(rich()));
  assert.ok(binary instanceof Uint8Array && binary.length > 100);
  assert.equal(binary[0], 0x0a, 'field 1 (resource_spans), wire type 2');
  const root = new protobuf.Root();
  // Decode with a hand-written subset of the official field numbers: an independent check of the bytes.
  protobuf.parse(`syntax = "proto3";
    message Req { repeated RS rs = 1; } message RS { repeated SS ss = 2; } message SS { repeated Sp spans = 2; }
    message Sp { bytes trace_id = 1; bytes span_id = 2; string name = 5; int32 kind = 6; fixed64 start = 7; }`, root,
    { keepCase: true });
  const decoded = root.lookupType('Req').toObject(root.lookupType('Req').decode(binary), { longs: String });
  const span = decoded.rs[0].ss[0].spans[0];
  assert.equal(Buffer.from(span.trace_id).toString('hex'), TRACE_ID);
  assert.equal(Buffer.from(span.span_id).toString('hex'), SPAN_ID);
  assert.equal(span.name, 'GET /stream');
  assert.equal(span.kind, 3);
  assert.equal(span.start, '1700000000000000000');
  assert.throws(() => encodeExportTraceServiceRequest('{"resourceSpans":{}}'), /expected a JSON array/);
});

test('rejects text that is not JSON, and a top level that is not an object', () => {
  assert.match(validate('{"resourceSpans": [}')[0], /^\$: not valid JSON/);
  assert.match(validate('[]')[0], /^\$: expected a JSON object \(message ExportTraceServiceRequest\), got array/);
});

test('rejects an unknown field', () => {
  expectOne((s) => { s.durationNanos = '1'; }, `${SPAN}.durationNanos`, /unknown field in Span; known: traceId, spanId/);
  expectOne((s) => { s.TraceId = TRACE_ID; }, `${SPAN}.TraceId`, /unknown field in Span \(did you mean "traceId"\?\)/);
  expectOne((_s, d) => { d.resourceSpans[0].resource.labels = []; }, '$.resourceSpans[0].resource.labels', /unknown field in Resource/);
});

test('rejects snake_case (original proto) field names', () => {
  expectOne((s) => { s.dropped_attributes_count = 0; }, `${SPAN}.dropped_attributes_count`,
    /original proto field name; OTLP\/JSON keys must be lowerCamelCase: "droppedAttributesCount"/);
  const doc = minimal();
  doc.resource_spans = doc.resourceSpans;
  delete doc.resourceSpans;
  const problems = validate(JSON.stringify(doc));
  assert.ok(problems.some((p) => p.startsWith('$.resource_spans: original proto field name')), problems.join('\n'));
});

test('rejects a base64 trace or span id', () => {
  expectOne((s) => { s.traceId = Buffer.from(TRACE_ID, 'hex').toString('base64'); }, `${SPAN}.traceId`,
    /looks base64-encoded .*traceId must be 32 lower-case hex characters/);
  expectOne((s) => { s.spanId = Buffer.from(SPAN_ID, 'hex').toString('base64'); }, `${SPAN}.spanId`, /looks base64-encoded/);
});

test('rejects upper-case hex ids', () => {
  expectOne((s) => { s.traceId = TRACE_ID.toUpperCase(); }, `${SPAN}.traceId`, /upper-case hex/);
  expectOne((s) => { s.parentSpanId = 'EEE19B7EC3C1B173'; }, `${SPAN}.parentSpanId`, /upper-case hex/);
});

test('rejects ids of the wrong length, non-hex, all-zero, empty or non-string', () => {
  expectOne((s) => { s.traceId = TRACE_ID.slice(0, 30); }, `${SPAN}.traceId`, /\(30 characters\): traceId must be 32/);
  expectOne((s) => { s.spanId = `${SPAN_ID}00`; }, `${SPAN}.spanId`, /\(18 characters\): spanId must be 16/);
  expectOne((s) => { s.spanId = 'eee19b7ec3c1b17g'; }, `${SPAN}.spanId`, /spanId must be 16 lower-case hex/);
  expectOne((s) => { s.traceId = '0'.repeat(32); }, `${SPAN}.traceId`, /all-zero id is invalid/);
  expectOne((s) => { s.spanId = ''; }, `${SPAN}.spanId`, /empty id/);
  expectOne((s) => { s.parentSpanId = ''; }, `${SPAN}.parentSpanId`, /omit parentSpanId for a root span/);
  expectOne((s) => { s.traceId = 1234; }, `${SPAN}.traceId`, /must be 32 lower-case hex characters \(16 bytes\), got number/);
  expectOne((s) => { s.links = [{ traceId: TRACE_ID, spanId: SPAN_ID.slice(2) }]; }, `${SPAN}.links[0].spanId`,
    /spanId must be 16/);
});

test('rejects enum values given by name', () => {
  expectOne((s) => { s.kind = 'SPAN_KIND_CLIENT'; }, `${SPAN}.kind`, /enum given by name "SPAN_KIND_CLIENT"; OTLP\/JSON requires the integer value 3/);
  expectOne((s) => { s.status = { code: 'STATUS_CODE_ERROR' }; }, `${SPAN}.status.code`, /requires the integer value 2/);
});

test('rejects enum integers outside the enum and non-integer enums', () => {
  expectOne((s) => { s.kind = 6; }, `${SPAN}.kind`, /6 is not a value of enum SpanKind \(0=SPAN_KIND_UNSPECIFIED/);
  expectOne((s) => { s.status = { code: 1.5 }; }, `${SPAN}.status.code`, /expected an integer of enum StatusCode, got number 1.5/);
});

test('rejects a wrong JSON type for status.code', () => {
  expectOne((s) => { s.status = { code: '2' }; }, `${SPAN}.status.code`, /expected an integer of enum StatusCode, got string "2"/);
  expectOne((s) => { s.status = { code: true }; }, `${SPAN}.status.code`, /got boolean true/);
  expectOne((s) => { s.status = 2; }, `${SPAN}.status`, /expected a JSON object \(message Status\), got number/);
});

test('rejects 64-bit integers written as JSON numbers', () => {
  expectOne((s) => { s.startTimeUnixNano = 1700000000000000000; }, `${SPAN}.startTimeUnixNano`,
    /64-bit integer written as a JSON number .* emit it as a decimal string .*already rounded/);
  expectOne((s) => { s.attributes = [{ key: 'n', value: { intValue: 42 } }]; }, `${SPAN}.attributes[0].value.intValue`,
    /64-bit integer written as a JSON number 42; emit it as a decimal string \("42"/);
});

test('rejects non-canonical or out-of-range 64-bit decimal strings', () => {
  for (const bad of ['01', '+1', '1.0', '1e3', ' 1', '-0', '']) {
    expectOne((s) => { s.attributes = [{ key: 'n', value: { intValue: bad } }]; }, `${SPAN}.attributes[0].value.intValue`,
      /expected a decimal string without sign/);
  }
  expectOne((s) => { s.attributes = [{ key: 'n', value: { intValue: '9223372036854775808' } }]; },
    `${SPAN}.attributes[0].value.intValue`, /out of range for int64/);
  expectOne((s) => { s.endTimeUnixNano = '18446744073709551616'; }, `${SPAN}.endTimeUnixNano`, /out of range for uint64/);
  expectOne((s) => { s.events = [{ timeUnixNano: '-1', name: 'e' }]; }, `${SPAN}.events[0].timeUnixNano`, /out of range for uint64/);
});

test('rejects 32-bit integers as strings, fractions, negatives and overflow', () => {
  expectOne((s) => { s.droppedAttributesCount = '0'; }, `${SPAN}.droppedAttributesCount`, /32-bit integer written as a string "0"/);
  expectOne((s) => { s.droppedEventsCount = 1.5; }, `${SPAN}.droppedEventsCount`, /expected an integer \(uint32\)/);
  expectOne((s) => { s.droppedLinksCount = -1; }, `${SPAN}.droppedLinksCount`, /-1 is out of range for uint32/);
  expectOne((s) => { s.flags = 2 ** 32; }, `${SPAN}.flags`, /4294967296 is out of range for uint32/);
});

test('rejects AnyValue with two members, and with none', () => {
  expectOne((s) => { s.attributes = [{ key: 'x', value: { stringValue: 'a', intValue: '1' } }]; }, `${SPAN}.attributes[0].value`,
    /oneof "value" of AnyValue has 2 members set \(stringValue, intValue\); at most one is allowed/);
  expectOne((s) => { s.attributes = [{ key: 'x', value: {} }]; }, `${SPAN}.attributes[0].value`, /exactly one must be set/);
  expectOne((s) => { s.attributes = [{ key: 'x' }]; }, `${SPAN}.attributes[0].value`, /missing/);
});

test('rejects a non-array where the field is repeated, and an array where it is not', () => {
  expectOne((s) => { s.attributes = { key: 'x', value: { stringValue: 'a' } }; }, `${SPAN}.attributes`,
    /expected a JSON array \(repeated opentelemetry.proto.common.v1.KeyValue\), got object/);
  expectOne((_s, d) => { d.resourceSpans[0].scopeSpans[0].spans = d.resourceSpans[0].scopeSpans[0].spans[0]; },
    '$.resourceSpans[0].scopeSpans[0].spans', /expected a JSON array \(repeated Span\)/);
  expectOne((s) => { s.status = [{ code: 2 }]; }, `${SPAN}.status`, /expected a JSON object \(message Status\), got array/);
});

test('rejects wrong JSON types for strings, booleans, doubles and bytes', () => {
  expectOne((s) => { s.name = 42; }, `${SPAN}.name`, /expected a string, got number 42/);
  expectOne((s) => { s.attributes = [{ key: 'b', value: { boolValue: 'true' } }]; }, `${SPAN}.attributes[0].value.boolValue`,
    /expected true or false, got string/);
  expectOne((s) => { s.attributes = [{ key: 'd', value: { doubleValue: '1.5' } }]; }, `${SPAN}.attributes[0].value.doubleValue`,
    /number written as a string "1.5"/);
  expectOne((s) => { s.attributes = [{ key: 'd', value: { doubleValue: true } }]; }, `${SPAN}.attributes[0].value.doubleValue`,
    /expected a JSON number, got boolean/);
  const overflow = JSON.stringify(minimal()).replace('"kind":3', '"kind":3,"attributes":[{"key":"d","value":{"doubleValue":1e400}}]');
  assert.match(validate(overflow).join('\n'), /doubleValue: number literal overflows a double/);
  expectOne((s) => { s.attributes = [{ key: 'y', value: { bytesValue: 'AAEC_w' } }]; }, `${SPAN}.attributes[0].value.bytesValue`,
    /not canonical standard base64 with padding/);
  expectOne((_s, d) => { d.resourceSpans[0].resource = 'web'; }, '$.resourceSpans[0].resource', /expected a JSON object \(message Resource\)/);
});

test('rejects null anywhere (nlohmann writes NaN as null)', () => {
  expectOne((s) => { s.attributes = [{ key: 'd', value: { doubleValue: null } }]; }, `${SPAN}.attributes[0].value.doubleValue`,
    /null is not allowed/);
  expectOne((s) => { s.parentSpanId = null; }, `${SPAN}.parentSpanId`, /null is not allowed/);
  expectOne((_s, d) => { d.resourceSpans[0].scopeSpans[0].scope = null; }, '$.resourceSpans[0].scopeSpans[0].scope', /null is not allowed/);
  expectOne((s) => { s.events = [null]; }, `${SPAN}.events[0]`, /null is not allowed/);
});

test('rejects duplicate keys in one JSON object', () => {
  const text = JSON.stringify(minimal()).replace('"name":"GET /stream"', '"name":"a","name":"GET /stream"');
  assert.deepEqual(validate(text), [`${SPAN}: duplicate key "name" in one object`]);
});

test('rejects strings with a lone surrogate', () => {
  const text = JSON.stringify(minimal()).replace('GET /stream', 'GET \\ud83d');
  assert.deepEqual(validate(text), [`${SPAN}.name: string contains a lone UTF-16 surrogate (not encodable as UTF-8)`]);
});

test('producer rules: required span fields, kind, times, unique attribute keys, no empty envelopes', () => {
  expectOne((s) => { delete s.traceId; }, `${SPAN}.traceId`, /missing \(Span.trace_id is required\)/);
  expectOne((s) => { delete s.spanId; }, `${SPAN}.spanId`, /missing/);
  expectOne((s) => { s.name = ''; }, `${SPAN}.name`, /missing or empty/);
  expectOne((s) => { s.kind = 0; }, `${SPAN}.kind`, /SPAN_KIND_UNSPECIFIED/);
  expectOne((s) => { delete s.endTimeUnixNano; }, `${SPAN}.endTimeUnixNano`, /missing/);
  expectOne((s) => { s.endTimeUnixNano = '1699999999999999999'; }, `${SPAN}.endTimeUnixNano`, /is before startTimeUnixNano/);
  expectOne((s) => { s.startTimeUnixNano = '0'; s.endTimeUnixNano = '0'; }, `${SPAN}.startTimeUnixNano`, /0 \(unset\)/);
  expectOne((s) => { s.attributes = [{ key: 'a', value: { intValue: '1' } }, { key: 'a', value: { intValue: '2' } }]; },
    `${SPAN}.attributes[1].key`, /duplicate key "a"/);
  expectOne((s) => { s.attributes = [{ key: '', value: { intValue: '1' } }]; }, `${SPAN}.attributes[0].key`, /missing or empty/);
  expectOne((s) => { s.events = [{ name: 'e' }]; }, `${SPAN}.events[0].timeUnixNano`, /missing/);
  expectOne((s) => { s.links = [{ spanId: SPAN_ID }]; }, `${SPAN}.links[0].traceId`, /missing/);
  expectOne((_s, d) => { d.resourceSpans[0].scopeSpans[0].spans = []; }, '$.resourceSpans[0].scopeSpans[0].spans',
    /at least one element/);
  assert.deepEqual(validate('{}'), ['$.resourceSpans: must hold at least one element (senders SHOULD NOT create empty envelopes)']);
  assert.deepEqual(validate('{}', { producerRules: false }), [], 'an empty request is schema-valid');
});

test('every encoder fixture in tests/fixtures/otlp/ is a valid ExportTraceServiceRequest', async (t) => {
  const files = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) {
    t.skip('no tests/fixtures/otlp/*.json yet: the C++ encoder writes them there');
    return;
  }
  for (const file of files) {
    await t.test(file, () => {
      const problems = validate(readFileSync(new URL(file, FIXTURES)));
      assert.deepEqual(problems, [], `${file}:\n  ${problems.join('\n  ')}`);
    });
  }
});
