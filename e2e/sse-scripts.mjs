// Byte-exact server scripts for the differential test (e2e/differential.spec.mjs).
//
// The same data drives both sides: e2e/test-server.mjs replays a script's connections, and the spec tells the
// page what to listen to and when to stop. A script is:
//   name         URL segment: GET /sse/<name>?session=<id>
//   description  one line, what the script exercises
//   origin       'main' (page's own origin, 4173) or 'second' (cross-origin, 4174)
//   cors         default CORS behaviour of the 'second' origin for this script: 'allow' | 'reject'
//   listen       event names the page listens to besides open/error/message
//   stop         { closed: true } | { errors: n } | { messages: n }, optional lingerMs (keep recording that long
//                after the rule is met, before close()) and timeoutMs (the page always has one); the page also
//                stops when the source reaches CLOSED, since nothing can follow
//   connections  the n-th SSE request of a session gets connections[n-1]; later ones get `fallback` (default 204)
//   expectMessages   what native EventSource must deliver, [type, data, lastEventId] per MessageEvent: proves the
//                    script exercises what its name says (checked against native only)
//   reconnectDelays  bounds on server-side time from the end of request n-1 to the arrival of request n
//   knownDifference  an intended difference between TracedEventSource and EventSource, asserted precisely
//
// A connection is { status, contentType, headers, cors, steps, end } where steps are
// { write: bytes } | { delay: ms } and end is 'end' (graceful), 'destroy' (socket killed mid-body) or 'hang'
// (open until the client goes away); or { redirect: { status, to, origin? } } (to /sse/<name>/<to>, same query,
// on `origin` if given); or { reset: true } (socket destroyed before any response byte, so fetch() rejects).
// Preflights and no-cors probes are answered without taking a connection (see e2e/test-server.mjs).

import { Buffer } from 'node:buffer';

export const ORIGINS = { main: 'http://127.0.0.1:4173', second: 'http://127.0.0.1:4174' };

/** Bytes from strings (UTF-8), byte arrays and Buffers, concatenated. */
export function bytes(...parts) {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
}

/** A 200 text/event-stream connection. Each item of `chunks` is one TCP write ({delay} items pause). */
function sse(chunks, options = {}) {
  const steps = chunks.map((c) => (c && typeof c === 'object' && 'delay' in c ? c : { write: c }));
  return { status: 200, contentType: 'text/event-stream', end: 'end', ...options, steps };
}

const RETRY = 'retry: 50\n'; // every reconnecting script starts with this, so the run stays fast
const closed = { closed: true };

// Wide ranges: the machine is loaded. They only need to tell 50 ms from 600 ms from 3000 ms.
const FAST_RECONNECT = { minMs: 25, maxMs: 1500 };

const U = {
  e_acute: [0xc3, 0xa9], // é, 2 bytes
  euro: [0xe2, 0x82, 0xac], // €, 3 bytes
  grin: [0xf0, 0x9f, 0x98, 0x80], // 😀, 4 bytes
  bom: [0xef, 0xbb, 0xbf],
};

const KNOWN_PREFLIGHT = {
  why:
    'TracedEventSource uses fetch(): Last-Event-ID is not a CORS-safelisted header, so a cross-origin request ' +
    'carrying it needs a preflight (OPTIONS). Native EventSource is exempt from preflights.',
  preflightForCrossOriginLastEventId: true,
};
const KNOWN_PROBE = {
  why:
    'fetch() reports a CORS rejection and a network error with the same TypeError; TracedEventSource may send ' +
    "one mode: 'no-cors' probe to the cross-origin URL after such a failure to tell them apart.",
  noCorsProbeAfterCrossOriginFailure: true,
};

const KNOWN_CORS_AFTER_SUCCESS = {
  why:
    `${KNOWN_PREFLIGHT.why} Once a source has read a response from the server, TracedEventSource treats a later ` +
    'fetch() TypeError as a network error and reconnects: from JavaScript, a CORS refusal then cannot be told ' +
    'from a connection reset before the response (both are a TypeError while the server is reachable), and ' +
    'closing for good on a transient reset is the worse mistake for a reconnecting client. Native closes here.',
  ...KNOWN_PREFLIGHT,
  traced: {
    // Native: open, message, error (CONNECTING), error (CLOSED). Traced: the same, but every refused reconnect
    // is another error with CONNECTING, until the stop rule's third error; then the page closes it.
    observations(native) {
      const log = native.log.slice(0, -1);
      const last = native.log.at(-1);
      return { ...native, log: [...log, { ...last, readyState: 0 }, { ...last, readyState: 0 }] };
    },
    // Native: the stream, then the refused reconnect. Traced: the stream, then per reconnect one refused
    // preflight (fetch() never sends the GET), and no probe (it had a response).
    requests(native) {
      const refused = native[1];
      const preflight = { kind: 'preflight', server: refused.server, method: 'OPTIONS', path: refused.path,
        requestMethod: 'GET', requestHeaders: 'last-event-id' };
      return [native[0], preflight, preflight];
    },
  },
};

// A 1 MiB data line mixing 1-, 2-, 3- and 4-byte characters, so 64 KiB slices split sequences.
const BIG_UNIT = 'aé€😀'; // 10 bytes
const BIG_DATA = BIG_UNIT.repeat(Math.ceil((1 << 20) / 10));
function slices(buf, size) {
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

const MANY = 5000;
const manyEvents = Array.from({ length: MANY }, (_, i) => (i % 2 ? `event: tick\nid: ${i}\ndata: ${i}\n\n` : `id: ${i}\ndata: ${i}\n\n`)).join('');

/** @type {Array<object>} */
export const scripts = [
  // ---- line endings ----
  {
    name: 'lf-events',
    description: 'plain LF events, then graceful close, reconnect, 204',
    connections: [sse([RETRY + 'data: one\n\ndata: two\n\n'])],
    expectMessages: [['message', 'one', ''], ['message', 'two', '']],
  },
  {
    name: 'crlf-events',
    description: 'CRLF line ends, multi-line data and an id',
    connections: [sse(['retry: 50\r\n\r\ndata: one\r\ndata: two\r\n\r\nid: 7\r\ndata: three\r\n\r\n'])],
    expectMessages: [['message', 'one\ntwo', ''], ['message', 'three', '7']],
  },
  {
    name: 'cr-events',
    description: 'lone CR line ends',
    connections: [sse(['retry: 50\r\rdata: one\rdata: two\r\rid: 7\rdata: three\r\r'])],
    expectMessages: [['message', 'one\ntwo', ''], ['message', 'three', '7']],
  },
  {
    name: 'mixed-line-ends',
    description: 'CR, LF and CRLF mixed in one stream, blank lines of each kind',
    connections: [sse([RETRY + 'data: a\r\n\rdata: b\n\r\ndata: c\r\r\n\ndata: d\n\r\r\n'])],
    expectMessages: [['message', 'a', ''], ['message', 'b', ''], ['message', 'c', ''], ['message', 'd', '']],
  },
  {
    name: 'crlf-split-across-chunks',
    description: 'a CR ends one chunk and its LF starts the next (one line end), also after a 150 ms pause',
    connections: [
      sse([
        RETRY,
        'data: a\r', '\ndata: b\r', { delay: 150 }, '\n\r', '\n', // "a\nb": each CR|LF pair is one line end
        'data: c\r', 'data: d\r\r', // a CR ending a chunk followed by a non-LF: "c\nd"
        'data: e\r', '\r', // CR | CR: two line ends, dispatch "e"
      ]),
    ],
    expectMessages: [['message', 'a\nb', ''], ['message', 'c\nd', ''], ['message', 'e', '']],
  },
  {
    name: 'cr-at-end-of-chunk-dispatches-now',
    description: 'an event ended by CR CR at the end of a chunk is dispatched without waiting for the next byte',
    connections: [sse(['data: a\r\r'], { end: 'hang' })],
    stop: { messages: 1, timeoutMs: 3000 },
    expectMessages: [['message', 'a', '']],
  },
  {
    name: 'state-not-carried-across-connections',
    description: 'a partial line, a pending CR and a partial UTF-8 sequence at end of stream do not leak into the next',
    connections: [
      sse([RETRY + 'data: a\n\nda']), // "da" + "ta: x" must not become "data: x"
      sse(['ta: x\n\ndata: y\n\r']), // the final CR is a blank line: "y" is dispatched at once
      sse(['\ndata: z\n\n', bytes('data: w\n\n', U.bom.slice(0, 2))]), // ends with 2/3 of a BOM
      // 0xBF alone is U+FFFD, so "data: v" is an unknown field; a decoder that kept EF BB would see a BOM instead
      sse([bytes(U.bom.slice(2), 'data: v\n\ndata: u\n\n')]),
    ],
    expectMessages: [['message', 'a', ''], ['message', 'y', ''], ['message', 'z', ''], ['message', 'w', ''], ['message', 'u', '']],
  },
  {
    name: 'byte-by-byte',
    description: 'every byte its own TCP write: CRLF, a BOM, 2-, 3- and 4-byte characters',
    connections: [sse([...bytes(U.bom, 'id: 1\r\ndata: é€😀\r\n\r\n')].map((b) => [b]), { end: 'hang' })],
    stop: { messages: 1 },
    expectMessages: [['message', 'é€😀', '1']],
  },

  // ---- UTF-8 ----
  {
    name: 'utf8-split-2-byte',
    description: 'chunk splits inside a 2-byte UTF-8 sequence, in data, event name and id',
    listen: ['café'],
    connections: [
      sse(
        [
          bytes('data: caf', [U.e_acute[0]]), bytes([U.e_acute[1]], '\n\n'),
          bytes('event: caf', [U.e_acute[0]]), bytes([U.e_acute[1]], '\nid: ', [U.e_acute[0]]),
          bytes([U.e_acute[1]], '\ndata: x\n\n'),
        ],
        { end: 'hang' },
      ),
    ],
    stop: { messages: 2 },
    expectMessages: [['message', 'café', ''], ['café', 'x', 'é']],
  },
  {
    name: 'utf8-split-3-byte',
    description: 'chunk splits after the 1st and the 2nd byte of a 3-byte UTF-8 sequence, and byte by byte',
    connections: [
      sse(
        [
          bytes('data: 1', U.euro.slice(0, 1)), bytes(U.euro.slice(1), '\n\n'),
          bytes('data: 2', U.euro.slice(0, 2)), bytes(U.euro.slice(2), '\n\n'),
          bytes('data: 3', U.euro.slice(0, 1)), bytes(U.euro.slice(1, 2)), bytes(U.euro.slice(2), '\n\n'),
        ],
        { end: 'hang' },
      ),
    ],
    stop: { messages: 3 },
    expectMessages: [['message', '1€', ''], ['message', '2€', ''], ['message', '3€', '']],
  },
  {
    name: 'utf8-split-4-byte',
    description: 'chunk splits after the 1st, 2nd and 3rd byte of a 4-byte UTF-8 sequence, and in an event name',
    listen: ['😀'],
    connections: [
      sse(
        [
          bytes('data: 1', U.grin.slice(0, 1)), bytes(U.grin.slice(1), '\n\n'),
          bytes('data: 2', U.grin.slice(0, 2)), bytes(U.grin.slice(2), '\n\n'),
          bytes('data: 3', U.grin.slice(0, 3)), bytes(U.grin.slice(3), '\n\n'),
          bytes('event: ', U.grin.slice(0, 2)), bytes(U.grin.slice(2), '\ndata: n\n\n'),
        ],
        { end: 'hang' },
      ),
    ],
    stop: { messages: 4 },
    expectMessages: [['message', '1😀', ''], ['message', '2😀', ''], ['message', '3😀', ''], ['😀', 'n', '']],
  },
  {
    name: 'utf8-invalid-lone-continuation',
    description: 'a lone continuation byte (0x80, 0xBF) decodes to U+FFFD',
    connections: [sse([RETRY, bytes('data: a', [0x80], 'b', [0xbf, 0xbf], 'c\n\n'), bytes([0x80], 'data: d\n\n')])],
    expectMessages: [['message', 'a\uFFFDb\uFFFD\uFFFDc', '']],
  },
  {
    name: 'utf8-invalid-truncated-at-eol',
    description: 'a truncated multi-byte sequence right before a line end, also split from it across chunks',
    connections: [
      sse([
        RETRY,
        bytes('data: a', U.euro.slice(0, 2), '\n\n'),
        bytes('data: b', U.grin.slice(0, 3), '\r\n\r\n'),
        bytes('data: c', U.euro.slice(0, 1)), bytes('\rdata: d\r\r'),
        bytes('id: ', U.grin.slice(0, 2), '\ndata: e\n\n'),
      ]),
    ],
    expectMessages: [
      ['message', 'a\uFFFD', ''], ['message', 'b\uFFFD', ''], ['message', 'c\uFFFD\nd', ''], ['message', 'e', '\uFFFD'],
    ],
  },
  {
    name: 'utf8-invalid-overlong',
    description: 'overlong encodings (C0 AF, E0 80 AF, F0 80 80 AF) decode to U+FFFD per byte',
    connections: [
      sse([RETRY, bytes('data: a', [0xc0, 0xaf], 'b', [0xe0, 0x80, 0xaf], 'c', [0xf0, 0x80, 0x80, 0xaf], 'd\n\n')]),
    ],
  },
  {
    name: 'utf8-invalid-ff-fe',
    description: '0xFF and 0xFE never appear in UTF-8; also in a field name and an event name',
    listen: ['e\uFFFD'],
    connections: [
      sse([RETRY, bytes('data: a', [0xff], 'b', [0xfe], '\n\n', 'dat', [0xff], 'a: x\n\ndata: y\n\nevent: e', [0xfe], '\ndata: z\n\n')]),
    ],
    expectMessages: [['message', 'a\uFFFDb\uFFFD', ''], ['message', 'y', ''], ['e\uFFFD', 'z', '']],
  },
  {
    name: 'utf8-invalid-surrogate-and-out-of-range',
    description: 'an encoded surrogate (ED A0 80) and a code point above U+10FFFF (F4 90 80 80)',
    connections: [sse([RETRY, bytes('data: a', [0xed, 0xa0, 0x80], 'b', [0xf4, 0x90, 0x80, 0x80], 'c\n\n')])],
  },

  // ---- byte order mark ----
  {
    name: 'bom-leading',
    description: 'one leading BOM is stripped',
    connections: [sse([bytes(U.bom, RETRY + 'data: x\n\n')])],
    expectMessages: [['message', 'x', '']],
  },
  {
    name: 'bom-twice',
    description: 'only one BOM is stripped: the second is part of the first field name, so that line is ignored',
    connections: [sse([bytes(U.bom, U.bom, 'data: x\n\n' + RETRY + 'data: y\n\n')])],
    expectMessages: [['message', 'y', '']],
  },
  {
    name: 'bom-split-and-per-connection',
    description: 'a BOM split across chunks (1|2 and 2|1 bytes), stripped again on each new connection',
    connections: [
      sse([bytes(U.bom.slice(0, 1)), bytes(U.bom.slice(1), RETRY + 'id: 1\ndata: a\n\n')]),
      sse([bytes(U.bom.slice(0, 2)), bytes(U.bom.slice(2), 'data: b\n\n')]),
      sse([bytes(U.bom, 'data: c\n\n')]),
    ],
    expectMessages: [['message', 'a', '1'], ['message', 'b', '1'], ['message', 'c', '1']],
  },
  {
    name: 'bom-partial',
    description: 'two bytes of a BOM then a letter: not a BOM, an invalid sequence in the first field name',
    connections: [sse([bytes(U.bom.slice(0, 2)), bytes('data: x\n\n' + RETRY + 'data: y\n\n')])],
    expectMessages: [['message', 'y', '']],
  },

  // ---- fields ----
  {
    name: 'comments',
    description: 'comment lines, including between data lines and a comment-only block',
    connections: [
      sse([
        RETRY + ':hello\n: with space\n:data: not data\ndata: a\n:between\ndata: b\n\n:\n\n:only a comment\n\n' +
          'data: c\n:trailing comment\n\n',
      ]),
    ],
    expectMessages: [['message', 'a\nb', ''], ['message', 'c', '']],
  },
  {
    name: 'fields-without-colon',
    description: '`data` alone is an empty data line, `id` alone resets the id, `event` alone is the default type',
    connections: [sse([RETRY + 'id: 5\ndata: a\n\ndata\n\nid\ndata: b\n\ndata\ndata\n\nevent\ndata: c\n\n'])],
    expectMessages: [
      ['message', 'a', '5'], ['message', '', '5'], ['message', 'b', ''], ['message', '\n', ''], ['message', 'c', ''],
    ],
  },
  {
    name: 'data-leading-space',
    description: '`data:` without a space, with one (removed), with two (one kept); a tab is kept; `data :` is not data',
    connections: [
      sse([RETRY + 'data:nospace\n\ndata: one\n\ndata:  two\n\ndata:\n\ndata: \n\ndata:   \n\ndata:\tt\n\ndata : x\n\n']),
    ],
    expectMessages: [
      ['message', 'nospace', ''], ['message', 'one', ''], ['message', ' two', ''], ['message', '', ''],
      ['message', '', ''], ['message', '  ', ''], ['message', '\tt', ''],
    ],
  },
  {
    name: 'multiline-data',
    description: 'data lines joined with LF; empty data lines; extra blank lines dispatch nothing',
    connections: [
      sse([RETRY + 'data: a\ndata: b\ndata: c\n\ndata: a\ndata:\ndata: c\n\ndata:\ndata:\n\ndata: x\n\n\n\ndata: y\n\n']),
    ],
    expectMessages: [
      ['message', 'a\nb\nc', ''], ['message', 'a\n\nc', ''], ['message', '\n', ''], ['message', 'x', ''], ['message', 'y', ''],
    ],
  },
  {
    name: 'empty-data-and-dataless-events',
    description: 'a lone `data:` dispatches "", `event:` without data dispatches nothing but resets the type',
    listen: ['foo'],
    connections: [sse([RETRY + 'data:\n\nevent: foo\n\nid: 3\nevent: foo\n\nevent: foo\ndata\n\nevent: foo\n\ndata: m\n\n'])],
    expectMessages: [['message', '', ''], ['foo', '', '3'], ['message', 'm', '3']],
  },
  {
    name: 'named-events',
    description: '`event:` names, type reset after dispatch, last `event:` wins, empty and case-different names',
    listen: ['foo', 'bar'],
    connections: [
      sse(
        [
          'event: foo\ndata: 1\n\ndata: 2\n\nevent: bar\ndata: 3\n\nevent: foo\nevent: bar\ndata: 4\n\n' +
            'event:\ndata: 5\n\nevent: message\ndata: 6\n\nevent: Foo\ndata: 7\n\nevent:  foo\ndata: 8\n\ndata: 9\n\n',
        ],
        { end: 'hang' },
      ),
    ],
    stop: { messages: 7 },
    expectMessages: [
      ['foo', '1', ''], ['message', '2', ''], ['bar', '3', ''], ['bar', '4', ''], ['message', '5', ''],
      ['message', '6', ''], ['message', '9', ''],
    ],
  },
  {
    name: 'named-events-open-error',
    description: 'server events named `open` and `error` are MessageEvents under those names',
    connections: [sse(['event: open\ndata: o\n\nevent: error\ndata: e\n\ndata: m\n\n'], { end: 'hang' })],
    stop: { messages: 3 },
    expectMessages: [['open', 'o', ''], ['error', 'e', ''], ['message', 'm', '']],
  },
  {
    name: 'id-handling',
    description: 'id sets lastEventId, empty id resets, id with U+0000 ignored, id-only block updates Last-Event-ID',
    connections: [
      sse([RETRY + 'id: 1\ndata: a\n\ndata: b\n\nid:\ndata: c\n\nid: 2\n\ndata: d\n\nid: x\0y\ndata: e\n\nid: 3\nid: 4\n\n']),
    ],
    expectMessages: [['message', 'a', '1'], ['message', 'b', '1'], ['message', 'c', ''], ['message', 'd', '2'], ['message', 'e', '2']],
  },
  {
    name: 'id-with-spaces',
    description: 'one leading space is removed from an id, the rest is kept; then reconnect with Last-Event-ID',
    connections: [sse([RETRY + 'id:  7 \ndata: a\n\n'])],
    expectMessages: [['message', 'a', ' 7 ']],
  },
  {
    name: 'id-non-ascii',
    description: 'a non-ASCII id (é€) as lastEventId and in the Last-Event-ID request header',
    connections: [sse([RETRY + 'id: é€\ndata: a\n\n']), sse(['data: b\n\n'])],
    expectMessages: [['message', 'a', 'é€'], ['message', 'b', 'é€']],
  },
  {
    name: 'unknown-fields-and-case',
    description: 'unknown fields ignored; field names are case-sensitive (`Data:`, `ID:` ignored); `id :` is not id',
    listen: ['foo'],
    connections: [sse([RETRY + 'foo: bar\nData: x\nDATA: y\nEvent: foo\nID: 9\nRetry: 1\ndata: z\nid : 8\nevent : foo\n\n'])],
    expectMessages: [['message', 'z', '']],
  },
  {
    name: 'control-characters-in-data',
    description: 'NUL, other C0 controls, U+2028 and NEL are data, not line ends',
    connections: [sse([RETRY + 'data: a\0b\x01\x7f\vc\fd\n\ndata: x\u2028y\u0085z\u2029\n\n'])],
    expectMessages: [['message', 'a\0b\x01\x7f\vc\fd', ''], ['message', 'x\u2028y\u0085z\u2029', '']],
  },

  // ---- retry ----
  {
    name: 'retry-bogus-and-valid',
    description: 'only all-digit `retry:` values count (`12a`, `5x`, `-1`, ` 60`, `6 0` ignored); measured reconnect delays',
    connections: [
      sse(['retry: 600\nretry: 5x\nretry: -1\nretry:  60\nretry: 6 0\ndata: a\n\n']),
      sse(['retry: 12a\nretry: 50\ndata: b\n\n']),
      sse(['data: c\n\n']),
    ],
    // request 2 came after ~600 ms (the bogus values did not replace 600); request 3 and 4 after ~50 ms
    reconnectDelays: [
      { request: 2, minMs: 450, maxMs: 2900 },
      { request: 3, ...FAST_RECONNECT },
      { request: 4, ...FAST_RECONNECT },
    ],
    expectMessages: [['message', 'a', ''], ['message', 'b', ''], ['message', 'c', '']],
  },
  {
    name: 'retry-huge',
    description: 'a `retry:` past 64 bits is ignored; 4294967346 (past 32 bits) is honoured: no reconnect soon',
    connections: [
      sse([RETRY + 'retry: 99999999999999999999999\ndata: a\n\n']),
      sse(['retry: 4294967346\ndata: b\n\n']), // a setTimeout() of this many ms would fire at once
      sse(['data: c\n\n']),
    ],
    stop: { errors: 2, lingerMs: 700 },
    reconnectDelays: [{ request: 2, ...FAST_RECONNECT }],
    expectMessages: [['message', 'a', ''], ['message', 'b', '']],
  },
  {
    name: 'retry-empty-value',
    description: 'Chromium: an empty `retry` (`retry` or `retry:`) resets the reconnection time to the 3 s default',
    connections: [sse([RETRY + 'retry\ndata: a\n\n']), sse([RETRY + 'retry:\ndata: b\n\n']), sse([RETRY + 'data: c\n\n'])],
    // measured in Chromium 156: ~3000 ms twice, then ~50 ms
    reconnectDelays: [
      { request: 2, minMs: 2500, maxMs: 6000 },
      { request: 3, minMs: 2500, maxMs: 6000 },
      { request: 4, ...FAST_RECONNECT },
    ],
    expectMessages: [['message', 'a', ''], ['message', 'b', ''], ['message', 'c', '']],
  },

  // ---- end of stream, reconnection ----
  {
    name: 'unterminated-event-discarded',
    description: 'an event without its blank line at end of stream is discarded, and its id is not used',
    connections: [
      sse([RETRY + 'id: 1\ndata: a\n\ndata: b\n']),
      sse(['data: c\n\nid: 9\ndata: d']),
      sse(['data: e\n\n']),
    ],
    expectMessages: [['message', 'a', '1'], ['message', 'c', '1'], ['message', 'e', '1']],
  },
  {
    name: 'graceful-reconnect-last-event-id',
    description: 'graceful close then reconnect: Last-Event-ID sent, lastEventId kept for id-less events',
    connections: [sse([RETRY + 'id: 1\ndata: a\n\n']), sse(['data: b\n\nid: 2\ndata: c\n\n'])],
    expectMessages: [['message', 'a', '1'], ['message', 'b', '1'], ['message', 'c', '2']],
  },
  {
    name: 'several-reconnects',
    description: 'five graceful closes in a row, each reconnect carrying the latest id',
    connections: [
      sse([RETRY + 'id: 1\ndata: 1\n\n']),
      sse(['id: 2\ndata: 2\n\n']),
      sse(['id: 3\ndata: 3\n\n']),
      sse(['id: 4\ndata: 4\n\n']),
      sse(['id: 5\ndata: 5\n\n']),
      sse(['data: last\n\n'], { end: 'hang' }),
    ],
    stop: { messages: 6 },
    reconnectDelays: [2, 3, 4, 5, 6].map((request) => ({ request, ...FAST_RECONNECT })),
  },
  {
    name: 'destroy-mid-body',
    description: 'socket destroyed mid-body: partial event discarded, error, reconnect with Last-Event-ID',
    connections: [sse([RETRY + 'id: 1\ndata: a\n\ndata: partial'], { end: 'destroy' }), sse(['data: b\n\n'], { end: 'hang' })],
    stop: { messages: 2 },
    expectMessages: [['message', 'a', '1'], ['message', 'b', '1']],
  },
  {
    name: 'reset-before-headers',
    description: 'socket destroyed before any response byte (network error) after a retry: was set',
    connections: [sse([RETRY + 'data: a\n\n']), { reset: true }, sse(['data: b\n\n'], { end: 'hang' })],
    stop: { messages: 2 },
    expectMessages: [['message', 'a', ''], ['message', 'b', '']],
  },

  // ---- response status and content type ----
  {
    name: 'status-204',
    description: '204 No Content closes the source without reconnecting',
    connections: [{ status: 204 }],
  },
  {
    name: 'status-500',
    description: '500 with an event-stream body closes the source, nothing dispatched',
    connections: [sse(['data: x\n\n'], { status: 500 })],
  },
  {
    name: 'status-503-on-reconnect',
    description: 'a reconnect answered 503 (no Retry-After): EventSource closes, it does not retry',
    connections: [sse([RETRY + 'data: a\n\n']), sse(['busy'], { status: 503, contentType: 'text/plain' })],
    expectMessages: [['message', 'a', '']],
  },
  {
    name: 'close-inside-listener',
    description: 'close() inside the listener of the 2nd of 5 events of one chunk: nothing else is dispatched',
    connections: [sse(['data: 1\n\ndata: 2\n\ndata: 3\n\nevent: foo\ndata: 4\n\ndata: 5\n\n'], { end: 'hang' })],
    listen: ['foo'],
    stop: { messages: 2 },
    expectMessages: [['message', '1', ''], ['message', '2', '']],
  },
  {
    name: 'status-500-on-reconnect',
    description: 'an open stream ends, the reconnect gets 500: error, CLOSED',
    connections: [sse([RETRY + 'id: 1\ndata: a\n\n']), sse(['data: x\n\n'], { status: 500 })],
    expectMessages: [['message', 'a', '1']],
  },
  {
    name: 'content-type-text-plain',
    description: '200 with Content-Type text/plain closes the source, nothing dispatched',
    connections: [sse([RETRY + 'data: x\n\n'], { contentType: 'text/plain' })],
  },
  {
    name: 'content-type-missing',
    description: '200 without a Content-Type closes the source',
    connections: [sse([RETRY + 'data: x\n\n'], { contentType: null })],
  },
  {
    name: 'content-type-parameters',
    description: '`; charset=utf-8`, upper case with `charset=UTF-8`, and an unknown parameter are accepted',
    connections: [
      sse([RETRY + 'data: a\n\n'], { contentType: 'text/event-stream; charset=utf-8' }),
      sse(['data: b\n\n'], { contentType: 'TEXT/EVENT-STREAM;charset=UTF-8' }),
      sse(['data: c\n\n'], { contentType: 'text/event-stream; foo=bar' }),
    ],
    expectMessages: [['message', 'a', ''], ['message', 'b', ''], ['message', 'c', '']],
  },
  {
    name: 'content-type-charset-latin1',
    description: '`text/event-stream; charset=latin1` is rejected',
    connections: [sse([RETRY + 'data: x\n\n'], { contentType: 'text/event-stream; charset=latin1' })],
  },

  // ---- redirects ----
  {
    name: 'redirect-302',
    description: '302 to another path; where do the events come from and where does the reconnect go',
    connections: [
      { redirect: { status: 302, to: 'after-redirect' } },
      sse([RETRY + 'id: r1\ndata: a\n\n']),
      sse(['data: b\n\n']),
    ],
    expectMessages: [['message', 'a', 'r1'], ['message', 'b', 'r1']],
  },
  {
    name: 'redirect-307',
    description: '307 to another path, then a reconnect',
    connections: [{ redirect: { status: 307, to: 'after-redirect' } }, sse([RETRY + 'id: r1\ndata: a\n\n']), sse(['data: b\n\n'])],
    expectMessages: [['message', 'a', 'r1'], ['message', 'b', 'r1']],
  },
  {
    name: 'redirect-cross-origin',
    description: '302 from the page origin to the second origin (CORS allowed): event origin and reconnect target',
    cors: 'allow',
    connections: [
      { redirect: { status: 302, to: 'after-redirect', origin: 'second' } },
      sse([RETRY + 'id: x1\ndata: a\n\n']),
      sse(['data: b\n\n']),
    ],
    expectMessages: [['message', 'a', 'x1'], ['message', 'b', 'x1']],
    knownDifference: KNOWN_PREFLIGHT,
  },

  {
    name: 'redirect-cross-origin-rejected',
    description: 'same-origin URL redirected to the second origin, which does not allow CORS',
    cors: 'reject',
    connections: [{ redirect: { status: 302, to: 'after-redirect', origin: 'second' } }, sse([RETRY + 'data: secret\n\n'])],
    knownDifference: KNOWN_PROBE,
  },

  // ---- cross-origin ----
  {
    name: 'cross-origin-cors-allow',
    description: 'cross-origin stream with Access-Control-Allow-Origin; reconnect with Last-Event-ID',
    origin: 'second',
    cors: 'allow',
    connections: [sse([RETRY + 'id: c1\ndata: a\n\n']), sse(['data: b\n\n'])],
    expectMessages: [['message', 'a', 'c1'], ['message', 'b', 'c1']],
    knownDifference: KNOWN_PREFLIGHT,
  },
  {
    name: 'cross-origin-cors-reject',
    description: 'cross-origin stream without Access-Control-Allow-Origin: error, CLOSED, nothing dispatched',
    origin: 'second',
    cors: 'reject',
    connections: [sse([RETRY + 'data: secret\n\n'])],
    knownDifference: KNOWN_PROBE,
  },
  {
    name: 'cross-origin-reject-on-reconnect',
    description: 'cross-origin stream allowed, then its reconnect (with Last-Event-ID) is rejected by CORS',
    origin: 'second',
    cors: 'allow',
    connections: [sse([RETRY + 'id: c1\ndata: a\n\n']), sse(['data: secret\n\n'], { cors: 'reject' })],
    // Native closes after 2 errors; traced keeps retrying, so it stops at its third error.
    stop: { errors: 3, closed: true },
    expectMessages: [['message', 'a', 'c1']],
    knownDifference: KNOWN_CORS_AFTER_SUCCESS,
  },
  {
    name: 'cross-origin-reset-before-headers',
    description: 'cross-origin (CORS allowed) network error before response headers must reconnect, not close',
    origin: 'second',
    cors: 'allow',
    connections: [sse([RETRY + 'data: a\n\n']), { reset: true }, sse(['data: b\n\n'], { end: 'hang' })],
    stop: { messages: 2 },
    expectMessages: [['message', 'a', ''], ['message', 'b', '']],
    knownDifference: KNOWN_PROBE,
  },

  // ---- volume ----
  {
    name: 'large-event-1mib',
    description: 'one 1 MiB data line of mixed 1-4 byte characters in 64 KiB writes, then a small event',
    connections: [sse([RETRY + 'id: big\n', ...slices(bytes('data: ' + BIG_DATA + '\n\ndata: after\n\n'), 65536)])],
    expectMessages: [['message', { length: BIG_DATA.length, fnv1a: fnv1a(BIG_DATA) }, 'big'], ['message', 'after', 'big']],
  },
  {
    name: 'many-small-events',
    description: `${MANY} small events (half of them named) in one write`,
    listen: ['tick'],
    connections: [sse([manyEvents], { end: 'hang' })],
    stop: { messages: MANY, timeoutMs: 20000 },
  },
].map((s) => ({ origin: 'main', cors: 'reject', listen: [], stop: closed, fallback: { status: 204 }, ...s }));

/**
 * FNV-1a over UTF-16 code units. The page summarises long strings with the same function
 * (e2e/pages/differential.mjs keeps a copy: pages cannot import from Node modules).
 */
export function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const scriptsByName = new Map(scripts.map((s) => [s.name, s]));
