// Strict validator for OTLP/HTTP JSON trace payloads (ExportTraceServiceRequest), driven by the official
// opentelemetry-proto definitions.
//
// Schema source: the unmodified opentelemetry-proto .proto files that ship in the npm package
// @elastic/mockotlpserver (pinned in package.json; its opentelemetry/proto/collector/README.md names the upstream
// tag), loaded at run time with protobufjs reflection. Every field name, type, repeated flag, oneof, enum and
// nested message below comes from that descriptor; nothing about the message layout is written out by hand.
//
// Rules: the proto3 JSON mapping with OTLP's deviations (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding),
// tightened to what *our producer* must emit — one canonical spelling per value, so the encoder cannot drift into
// forms that only lenient receivers accept. Then a few semantic "producer rules" from the proto comments and the
// OTLP spec (required span fields, unique attribute keys, no empty envelopes). Finally the payload is converted to
// protobufjs, verified, encoded to binary protobuf, decoded and compared with the input: the last proof that every
// value maps onto the schema.
//
// API:
//   validateExportTraceServiceRequest(json, { producerRules = true }) -> string[]   (empty = valid)
//     json: the payload as a string, or as bytes (Buffer/Uint8Array; then it must also be valid UTF-8).
//     Each problem reads "<path>: <what is wrong>", the path in JSON terms: $.resourceSpans[0].scopeSpans[0]...
//   encodeExportTraceServiceRequest(json) -> Uint8Array   binary protobuf; throws listing the problems if invalid.
//   schemaInfo() -> { protoVersion, protoPackage, protobufjs }
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const PROTO_PACKAGE = '@elastic/mockotlpserver';
const REQUEST_TYPE = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';

// OTLP deviation: these bytes fields are hex strings, not base64 ("traceId and spanId fields in all OTLP messages";
// parent_span_id is a span id). Sizes from the proto comments: trace id 16 bytes, span id 8 bytes.
const HEX_ID_BYTES = { trace_id: 16, span_id: 8, parent_span_id: 8 };

const INT64_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64_RANGE = { min: 0n, max: 2n ** 64n - 1n };
const INT32_RANGE = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32_RANGE = { min: 0, max: 2 ** 32 - 1 };
const SCALARS = {
  double: 'double', float: 'float',
  int32: 'int32', sint32: 'int32', sfixed32: 'int32',
  uint32: 'uint32', fixed32: 'uint32',
  int64: 'int64', sint64: 'int64', sfixed64: 'int64',
  uint64: 'uint64', fixed64: 'uint64',
  bool: 'bool', string: 'string', bytes: 'bytes',
};
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const T = {
  request: REQUEST_TYPE,
  resourceSpans: 'opentelemetry.proto.trace.v1.ResourceSpans',
  scopeSpans: 'opentelemetry.proto.trace.v1.ScopeSpans',
  span: 'opentelemetry.proto.trace.v1.Span',
  event: 'opentelemetry.proto.trace.v1.Span.Event',
  link: 'opentelemetry.proto.trace.v1.Span.Link',
  keyValue: 'opentelemetry.proto.common.v1.KeyValue',
  anyValue: 'opentelemetry.proto.common.v1.AnyValue',
};

let schema; // { root, request, protoVersion, protobufjs }

function loadSchema() {
  if (schema) return schema;
  const pkgDir = path.dirname(require.resolve(`${PROTO_PACKAGE}/package.json`));
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the package root ("opentelemetry/proto/common/v1/common.proto").
  root.resolvePath = (_origin, target) => path.resolve(pkgDir, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: true });
  root.resolveAll();
  const readme = readFileSync(path.join(pkgDir, 'opentelemetry/proto/collector/README.md'), 'utf8');
  const pkgVersion = require(`${PROTO_PACKAGE}/package.json`).version;
  schema = {
    root,
    request: root.lookupType(REQUEST_TYPE),
    protoVersion: (readme.match(/tag\/hash (v[0-9][0-9.]*[0-9])/) || [])[1] || 'unknown',
    protoPackage: `${PROTO_PACKAGE}@${pkgVersion}`,
    protobufjs: require('protobufjs/package.json').version,
  };
  return schema;
}

export function schemaInfo() {
  const { protoVersion, protoPackage, protobufjs: pbjs } = loadSchema();
  return { protoVersion, protoPackage, protobufjs: pbjs };
}

// proto3 JSON name: lowerCamelCase of the proto field name (protoc's ToJsonName), unless json_name is set.
function jsonName(field) {
  if (field.options && typeof field.options.json_name === 'string') return field.options.json_name;
  return field.name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()).replace(/_/g, '');
}

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function show(v) {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isWellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function fieldsOf(type) {
  if (!type._otlpJsonFields) {
    const byJson = new Map();
    const byProto = new Map();
    for (const f of type.fieldsArray) { byJson.set(jsonName(f), f); byProto.set(f.name, f); }
    // proto3 `optional` creates a synthetic one-field oneof named "_<field>": not a real choice.
    const oneofs = type.oneofsArray.filter((o) => !(o.fieldsArray.length === 1 && o.name === `_${o.fieldsArray[0].name}`));
    Object.defineProperty(type, '_otlpJsonFields', { value: { byJson, byProto, oneofs } });
  }
  return type._otlpJsonFields;
}

// ---- Schema walk (proto3 JSON mapping + OTLP deviations, strict producer spelling) ----------------------------

function checkMessage(value, type, p, out, ctx) {
  if (jsonType(value) !== 'object') {
    out.push(`${p}: expected a JSON object (message ${type.name}), got ${jsonType(value)} ${show(value)}`);
    return;
  }
  const { byJson, byProto, oneofs } = fieldsOf(type);
  for (const key of Object.keys(value)) {
    const field = byJson.get(key);
    if (field) { checkField(value[key], field, `${p}.${key}`, out, ctx); continue; }
    const snake = byProto.get(key);
    if (snake) {
      out.push(`${p}.${key}: original proto field name; OTLP/JSON keys must be lowerCamelCase: "${jsonName(snake)}"`);
      continue;
    }
    const near = [...byJson.keys()].find((k) => k.toLowerCase() === key.replace(/_/g, '').toLowerCase());
    out.push(`${p}.${key}: unknown field in ${type.name}` + (near ? ` (did you mean "${near}"?)` : '') +
      `; known: ${[...byJson.keys()].join(', ')}`);
  }
  for (const oneof of oneofs) {
    const set = oneof.fieldsArray.map(jsonName).filter((k) => Object.hasOwn(value, k));
    if (set.length > 1) {
      out.push(`${p}: oneof "${oneof.name}" of ${type.name} has ${set.length} members set (${set.join(', ')}); at most one is allowed`);
    }
  }
  if (ctx.producerRules) producerRules(value, type, p, out);
}

function checkField(v, field, p, out, ctx) {
  if (field.map) {
    if (jsonType(v) !== 'object') { out.push(`${p}: expected a JSON object (map field), got ${jsonType(v)}`); return; }
    for (const [k, e] of Object.entries(v)) checkValue(e, field, `${p}[${show(k)}]`, out, ctx);
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(v)) {
      out.push(`${p}: expected a JSON array (repeated ${field.type}), got ${jsonType(v)} ${show(v)}`);
      return;
    }
    v.forEach((e, i) => checkValue(e, field, `${p}[${i}]`, out, ctx));
    return;
  }
  checkValue(v, field, p, out, ctx);
}

function checkValue(v, field, p, out, ctx) {
  if (v === null) {
    // proto3 JSON reads null as "default value", but a producer has no reason to write it; it is also what
    // nlohmann::json writes for NaN/Infinity doubles, which would silently turn into 0.
    out.push(`${p}: null is not allowed (omit the field; NaN/Infinity doubles are the strings "NaN"/"Infinity"/"-Infinity")`);
    return;
  }
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) { checkMessage(v, rt, p, out, ctx); return; }
  if (rt instanceof protobuf.Enum) { checkEnum(v, rt, p, out); return; }
  const kind = SCALARS[field.type];
  if (!kind) { out.push(`${p}: unsupported field type ${field.type}`); return; }
  if (kind === 'bytes' && HEX_ID_BYTES[field.name]) { checkHexId(v, HEX_ID_BYTES[field.name], field, p, out); return; }
  checkScalar(v, kind, p, out);
}

function checkEnum(v, en, p, out) {
  if (typeof v === 'string' && Object.hasOwn(en.values, v)) {
    out.push(`${p}: enum given by name ${show(v)}; OTLP/JSON requires the integer value ${en.values[v]}`);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    out.push(`${p}: expected an integer of enum ${en.name}, got ${jsonType(v)} ${show(v)}`);
    return;
  }
  if (!Object.hasOwn(en.valuesById, v)) {
    const allowed = Object.entries(en.values).map(([n, i]) => `${i}=${n}`).join(', ');
    out.push(`${p}: ${v} is not a value of enum ${en.name} (${allowed})`);
  }
}

function checkHexId(v, bytes, field, p, out) {
  const what = `${jsonName(field)} must be ${bytes * 2} lower-case hex characters (${bytes} bytes)`;
  if (typeof v !== 'string') { out.push(`${p}: ${what}, got ${jsonType(v)} ${show(v)}`); return; }
  if (v === '') {
    out.push(field.name === 'parent_span_id'
      ? `${p}: empty string; omit parentSpanId for a root span`
      : `${p}: empty id; ${what} (an empty id is invalid)`);
    return;
  }
  if (/^[0-9a-fA-F]*$/.test(v) && v.length === bytes * 2) {
    if (/[A-F]/.test(v)) out.push(`${p}: upper-case hex ${show(v)}; our encoder must emit lower-case`);
    else if (/^0+$/.test(v)) out.push(`${p}: all-zero id is invalid`);
    return;
  }
  if (BASE64.test(v) && Buffer.from(v, 'base64').length === bytes) {
    out.push(`${p}: ${show(v)} looks base64-encoded (the plain proto3 mapping); OTLP/JSON ids are hex: ${what}`);
    return;
  }
  out.push(`${p}: ${show(v)} (${v.length} characters): ${what}`);
}

function checkScalar(v, kind, p, out) {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') out.push(`${p}: expected a string, got ${jsonType(v)} ${show(v)}`);
      else if (!isWellFormed(v)) out.push(`${p}: string contains a lone UTF-16 surrogate (not encodable as UTF-8)`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') out.push(`${p}: expected true or false, got ${jsonType(v)} ${show(v)}`);
      return;
    case 'bytes':
      if (typeof v !== 'string') out.push(`${p}: expected a base64 string (bytes), got ${jsonType(v)} ${show(v)}`);
      else if (!BASE64.test(v) || Buffer.from(v, 'base64').toString('base64') !== v) {
        out.push(`${p}: ${show(v)} is not canonical standard base64 with padding (proto3 JSON bytes)`);
      }
      return;
    case 'double': case 'float':
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) out.push(`${p}: number literal overflows a double; write "Infinity"/"-Infinity" as strings`);
        else if (kind === 'float' && Math.abs(v) > FLOAT_MAX) out.push(`${p}: ${v} is out of range for float`);
      } else if (typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v)) {
        // the proto3 JSON spelling of non-finite values
      } else if (typeof v === 'string') {
        out.push(`${p}: number written as a string ${show(v)}; emit a JSON number (only "NaN", "Infinity", "-Infinity" are strings)`);
      } else {
        out.push(`${p}: expected a JSON number, got ${jsonType(v)} ${show(v)}`);
      }
      return;
    case 'int32': case 'uint32': {
      const r = kind === 'int32' ? INT32_RANGE : UINT32_RANGE;
      if (typeof v === 'string') {
        out.push(`${p}: 32-bit integer written as a string ${show(v)}; emit a JSON number`);
      } else if (typeof v !== 'number' || !Number.isInteger(v)) {
        out.push(`${p}: expected an integer (${kind}), got ${jsonType(v)} ${show(v)}`);
      } else if (v < r.min || v > r.max) {
        out.push(`${p}: ${v} is out of range for ${kind} [${r.min}, ${r.max}]`);
      }
      return;
    }
    case 'int64': case 'uint64': {
      const r = kind === 'int64' ? INT64_RANGE : UINT64_RANGE;
      if (typeof v === 'number') {
        // proto3 JSON parsers accept numbers, but the canonical form is a string, and a JSON number above 2^53
        // (any nanosecond timestamp) loses precision in JavaScript and other double-based JSON readers.
        out.push(`${p}: 64-bit integer written as a JSON number ${show(v)}; emit it as a decimal string` +
          (Number.isInteger(v) ? ` ("${BigInt(v)}" as read here${Number.isSafeInteger(v) ? '' : ', already rounded'})` : ''));
      } else if (typeof v !== 'string' || !/^(0|-?[1-9][0-9]*)$/.test(v)) {
        out.push(`${p}: expected a decimal string without sign '+', leading zeros, fraction or exponent (${kind}), got ${jsonType(v)} ${show(v)}`);
      } else if (BigInt(v) < r.min || BigInt(v) > r.max) {
        out.push(`${p}: ${v} is out of range for ${kind} [${r.min}, ${r.max}]`);
      }
      return;
    }
    default:
      out.push(`${p}: unsupported scalar ${kind}`);
  }
}

// ---- Producer rules: semantics from the proto comments and the OTLP spec, beyond the wire schema -------------

function nonEmptyArray(value, key, p, out, why) {
  if (Array.isArray(value[key]) && value[key].length === 0 || value[key] === undefined) {
    out.push(`${p}.${key}: must hold at least one element (${why})`);
  }
}

function producerRules(value, type, p, out) {
  const name = type.fullName.replace(/^\./, '');
  const need = (key, why) => { if (value[key] === undefined) out.push(`${p}.${key}: missing (${why})`); };
  switch (name) {
    case T.request:
      nonEmptyArray(value, 'resourceSpans', p, out, 'senders SHOULD NOT create empty envelopes');
      break;
    case T.resourceSpans:
      nonEmptyArray(value, 'scopeSpans', p, out, 'senders SHOULD NOT create empty envelopes');
      break;
    case T.scopeSpans:
      nonEmptyArray(value, 'spans', p, out, 'senders SHOULD NOT create empty envelopes');
      break;
    case T.span: {
      need('traceId', 'Span.trace_id is required');
      need('spanId', 'Span.span_id is required');
      if (value.name === undefined || value.name === '') out.push(`${p}.name: missing or empty (Span.name is required)`);
      if (value.kind === undefined || value.kind === 0) {
        out.push(`${p}.kind: missing or 0 (SPAN_KIND_UNSPECIFIED: "Do NOT use"; our spans always know their kind)`);
      }
      need('startTimeUnixNano', 'semantically required');
      need('endTimeUnixNano', 'semantically required');
      const s = value.startTimeUnixNano;
      const e = value.endTimeUnixNano;
      if (typeof s === 'string' && typeof e === 'string' && /^[0-9]+$/.test(s) && /^[0-9]+$/.test(e)) {
        if (BigInt(s) === 0n) out.push(`${p}.startTimeUnixNano: 0 (unset)`);
        if (BigInt(e) < BigInt(s)) out.push(`${p}.endTimeUnixNano: ${e} is before startTimeUnixNano ${s}`);
      }
      break;
    }
    case T.event:
      need('timeUnixNano', 'an event needs its time');
      if (value.name === undefined || value.name === '') out.push(`${p}.name: missing or empty (Event.name is semantically required)`);
      break;
    case T.link:
      need('traceId', 'a link needs the linked trace id');
      need('spanId', 'a link needs the linked span id');
      break;
    case T.keyValue:
      if (value.key === undefined || value.key === '') out.push(`${p}.key: missing or empty`);
      need('value', 'an attribute without a value is an empty AnyValue');
      break;
    case T.anyValue: {
      const members = fieldsOf(type).oneofs.find((o) => o.name === 'value').fieldsArray.map(jsonName);
      if (!members.some((k) => Object.hasOwn(value, k))) {
        out.push(`${p}: AnyValue has none of ${members.join(', ')}; exactly one must be set`);
      }
      break;
    }
    default:
      break;
  }
  // "Attribute keys MUST be unique" (Span, Event, Link, Resource, InstrumentationScope, KeyValueList).
  for (const [key, field] of fieldsOf(type).byJson) {
    if (!field.repeated || field.resolvedType?.fullName?.replace(/^\./, '') !== T.keyValue) continue;
    if (!Array.isArray(value[key])) continue;
    const seen = new Set();
    value[key].forEach((kv, i) => {
      if (kv && typeof kv.key === 'string') {
        if (seen.has(kv.key)) out.push(`${p}.${key}[${i}].key: duplicate key ${show(kv.key)} (keys MUST be unique)`);
        seen.add(kv.key);
      }
    });
  }
}

// ---- Duplicate object keys (JSON.parse silently keeps the last one; protobuf JSON parsers reject them) ------

function duplicateKeys(text, out) {
  const stack = [];
  const pathOf = (n) => '$' + stack.slice(0, n).map((e) => (e.kind === 'a' ? `[${e.index}]` : `.${e.key}`)).join('');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (top && top.kind === 'o' && top.expectKey) {
        const key = JSON.parse(text.slice(start, i + 1));
        if (top.keys.has(key)) out.push(`${pathOf(stack.length - 1)}: duplicate key ${show(key)} in one object`);
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
    } else if (c === '{') stack.push({ kind: 'o', keys: new Set(), key: '', expectKey: true });
    else if (c === '[') stack.push({ kind: 'a', index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top) {
      if (top.kind === 'o') top.expectKey = true;
      else top.index++;
    }
  }
}

// ---- protobufjs proof: JSON -> message -> verify -> binary -> message -> JSON, compared with the input -------

function toProto(value, type) {
  const out = {};
  for (const [key, field] of fieldsOf(type).byJson) {
    if (!Object.hasOwn(value, key)) continue;
    const one = (v) => {
      if (field.resolvedType instanceof protobuf.Type) return toProto(v, field.resolvedType);
      if (field.type === 'bytes') return Buffer.from(v, HEX_ID_BYTES[field.name] ? 'hex' : 'base64');
      return v; // numbers, enum integers, booleans, strings, 64-bit decimal strings, "NaN"/"Infinity"
    };
    out[field.name] = field.repeated ? value[key].map(one) : one(value[key]);
  }
  return out;
}

function fromProto(obj, type) {
  const out = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(obj, field.name)) continue;
    const one = (v) => {
      if (field.resolvedType instanceof protobuf.Type) return fromProto(v, field.resolvedType);
      if (field.type === 'bytes' && HEX_ID_BYTES[field.name]) return Buffer.from(v, 'base64').toString('hex');
      return v;
    };
    out[jsonName(field)] = field.repeated ? obj[field.name].map(one) : one(obj[field.name]);
  }
  return out;
}

function dropEmptyArrays(v) {
  if (Array.isArray(v)) return v.map(dropEmptyArrays);
  if (jsonType(v) !== 'object') return v;
  const out = {};
  for (const [k, e] of Object.entries(v)) if (!(Array.isArray(e) && e.length === 0)) out[k] = dropEmptyArrays(e);
  return out;
}

function diff(a, b, p, out) {
  if (out.length >= 5 || isDeepStrictEqual(a, b)) return;
  if (jsonType(a) === 'object' && jsonType(b) === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[k], b[k], `${p}.${k}`, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((e, i) => diff(e, b[i], `${p}[${i}]`, out));
  } else {
    out.push(`${p}: protobuf round trip changed ${show(a)} into ${show(b)}`);
  }
}

function protobufProof(doc, out) {
  const { request } = loadSchema();
  let message;
  try {
    message = request.fromObject(toProto(doc, request));
  } catch (err) {
    out.push(`$: protobufjs fromObject failed: ${err.message}`);
    return null;
  }
  const err = request.verify(message);
  if (err) { out.push(`$: protobufjs verify: ${err}`); return null; }
  const binary = request.encode(message).finish();
  const back = request.toObject(request.decode(binary), { longs: String, enums: Number, bytes: String, json: true });
  const before = out.length;
  diff(dropEmptyArrays(doc), dropEmptyArrays(fromProto(back, request)), '$', out);
  return out.length === before ? binary : null;
}

// ---- Entry points ------------------------------------------------------------------------------------------

function run(json, { producerRules: rules = true } = {}) {
  const out = [];
  let text = json;
  if (typeof json !== 'string') {
    if (!(json instanceof Uint8Array)) throw new TypeError('validateExportTraceServiceRequest: pass a string or bytes');
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
    } catch {
      return { problems: ['$: payload bytes are not valid UTF-8 (OTLP/JSON is UTF-8 JSON)'], binary: null };
    }
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { problems: [`$: not valid JSON: ${err.message}`], binary: null };
  }
  duplicateKeys(text, out);
  const { request } = loadSchema();
  checkMessage(doc, request, '$', out, { producerRules: rules });
  if (out.length) return { problems: out, binary: null };
  const binary = protobufProof(doc, out);
  return { problems: out, binary };
}

export function validateExportTraceServiceRequest(json, options) {
  return run(json, options).problems;
}

export function encodeExportTraceServiceRequest(json, options) {
  const { problems, binary } = run(json, options);
  if (problems.length) throw new Error(`invalid ExportTraceServiceRequest:\n  ${problems.join('\n  ')}`);
  return binary;
}
