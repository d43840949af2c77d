#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz corpora (tests/fuzz/corpus/<target>/seed-*).

Each target's input layout is documented at the top of its .cpp; the builders here follow it. The rest of each
corpus is what libFuzzer found interesting, minimized with -merge=1 (scripts/fuzz.sh --merge).

    python3 tests/fuzz/make_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


# ----- fuzz_sse_parser: [flags, cap, split, n] + n chunk lengths + body

def sse(name, body, flags=0, cap=0, split=0, chunks=()):
    write('fuzz_sse_parser', name, bytes([flags, cap, split, len(chunks)]) + bytes(chunks) + body)


sse('lf', b'data: hello\n\n')
sse('crlf', b'event: add\r\ndata: 73857293\r\nid: 1\r\n\r\n')
sse('cr', b'data: a\rdata: b\r\r')
sse('bom', b'\xef\xbb\xbfdata: after bom\n\n')
sse('bom-twice', b'\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n')
sse('bom-partial', b'\xef\xbbdata: x\n\n')
sse('multiline', b'data: YHOO\ndata: +2\ndata: 10\n\n')
sse('spec-ids', b': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n')
sse('spec-empty-data', b'data\n\ndata\ndata\n\ndata:')
sse('id-nul', b'id: a\x00b\ndata: x\n\nid: ok\n\n')
sse('id-only', b'id: 42\n\n')
sse('retry', b'retry: 1000\nretry: 0\nretry:\nretry: 12a\nretry: 0001\nretry: 18446744073709551615\n'
              b'retry: 18446744073709551616\nretry:  5\n')
sse('fields', b'event\ndata\nid\nretry\nfoo: bar\n:comment\nDATA: x\ndata:no-space\n\n')
sse('utf8', 'data: h\u00e9llo \u20ac \U0001F600\n\n'.encode() + b'data: \xff\xc3\n\n' + b'event: \xed\xa0\x80\ndata: x\n\n')
sse('crlf-split', b'data: a\r\n\r\ndata: b\r\n\r\n', chunks=(8, 1, 1, 7))
sse('bom-split', b'\xef\xbb\xbfdata: x\n\n', chunks=(1, 1, 1, 0, 3))
sse('two-streams', b'id: 7\ndata: one\n\ndata: unterminated\nid: 8\ndata: two\n\n', flags=4, split=128)
sse('cap-small', b'data: 0123456789\n\ndata: 0123456789abcdef\n\n', flags=2, cap=15)
sse('cap-line', b'event: long-long-long-long\ndata: x\n\n', flags=3, cap=4)
sse('unterminated', b'data: x\n\ndata: y')

# ----- fuzz_trace_headers: the header text itself (lines: parent, then key/value pairs)

TRACE = {
    'traceparent': b'00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'traceparent-ows': b' \t00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03 ',
    'traceparent-upper': b'00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01',
    'traceparent-future': b'cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-09-what-the-future-will-be-like',
    'traceparent-00-extra': b'00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    'traceparent-zero': b'00-00000000000000000000000000000000-b7ad6b7169203331-01',
    'traceparent-ff': b'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'tracestate': b'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    'tracestate-multitenant': b'fw529a3039@dt=ZmYwMDAwMDAwMDAwMDAwMA, ,0a@b=c ',
    'tracestate-dup': b'a=1,a=2',
    'baggage': b'userId=alice,serverNode=DF%2028,isProduction=false;ttl=30;internal',
    'baggage-ows': b' key1 = value1 ; prop = x , key2=%E2%82%AC , bad key=v, k=%zz, =v',
    'baggage-utf8': b'k=%C3%A9%FF%E2%82,k=%2B+',
    # Past both limits: 70 members (64 fit by count) of ~140 bytes (8192 bytes fit).
    'baggage-limits': b','.join(b'key%02d=' % i + b'v' * 130 for i in range(70)),
    'xray': b'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    'xray-self': b'Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;Sampled=?',
    'xray-dup': b'Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-5759e988-bd862e3fe1be46a994272793',
    'tracer-config': b'00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00\ncongo\nt61rcWkgMzE\nuserId\nal ice\n',
    'response': b'Root=1-5759e988-bd862e3fe1be46a994272793\n00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n'
                b'cdn;dur=1, trace;desc="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"',
}
for name, text in TRACE.items():
    write('fuzz_trace_headers', name, text)

# ----- fuzz_retry_after: int64 now (little-endian ms) + the field value

NOW_2026 = 1_795_000_000_000
RETRY_AFTER = {
    'seconds': (NOW_2026, b'120'),
    'seconds-huge': (NOW_2026, b'99999999999999999999999'),
    'seconds-ows': (NOW_2026, b' \t5 '),
    'imf': (NOW_2026, b'Sun, 06 Nov 1994 08:49:37 GMT'),
    'imf-future': (NOW_2026, b'Wed, 21 Oct 2099 07:28:00 GMT'),
    'imf-leap': (NOW_2026, b'Sat, 29 Feb 2000 23:59:60 GMT'),
    'rfc850': (NOW_2026, b'Sunday, 06-Nov-94 08:49:37 GMT'),
    'rfc850-future': (NOW_2026, b'Monday, 01-Jan-76 00:00:00 GMT'),
    'asctime': (NOW_2026, b'Sun Nov  6 08:49:37 1994'),
    'asctime-2digit': (NOW_2026, b'Thu Dec 31 23:59:59 9999'),
    'invalid': (NOW_2026, b'Sun, 06 Nov 1994 08:49:37 UTC'),
    'now-min': (-2**63, b'Sunday, 06-Nov-94 08:49:37 GMT'),
    'now-max': (2**63 - 1, b'Fri, 31 Dec 9999 23:59:59 GMT'),
}
for name, (now, value) in RETRY_AFTER.items():
    write('fuzz_retry_after', name, struct.pack('<q', now) + value)

# ----- fuzz_connection: configuration, then opcodes (see fuzz_connection.cpp)

DURATIONS = [0, 1, 10, 100, 1000, 3000, 30000, 600000, 86_400_000, 2**53 - 1]


def dur(ms):
    """A duration argument: a table entry when it is one, else the raw value (< 32768)."""
    if ms in DURATIONS:
        return struct.pack('<H', (DURATIONS.index(ms) << 1) | 1)
    assert ms < 32768
    return struct.pack('<H', ms << 1)


def config(strict=False, idle=None, telemetry=False, cap=None, retry=3000, max_delay=30000, max_retries=None,
           max_retry_after=600000, statuses=None, trace_bits=0, start_s=1_795_000_000, seed=1, app_trace=None):
    flags = (1 if strict else 0) | (2 if idle is not None else 0) | (4 if telemetry else 0) | \
            (8 if statuses is not None else 0) | (16 if app_trace is not None else 0)
    if cap is not None:
        flags |= 1 << 6  # max_event_bytes = 1 + byte
    b = bytes([flags]) + dur(retry)
    if cap is not None:
        b += bytes([cap - 1])
    if idle is not None:
        b += dur(idle - 1)
    b += dur(max_delay) + bytes([255 if max_retries is None else max_retries]) + dur(max_retry_after)
    if statuses is not None:
        b += bytes([len(statuses)]) + bytes(s - 400 for s in statuses)
    b += bytes([trace_bits]) + struct.pack('<I', start_s) + struct.pack('<H', 0) + bytes([seed])
    if app_trace is not None:
        for s in app_trace:
            b += bytes([len(s)]) + s
    return b


START, RESPONSE, RAW, CANNED, REPEAT, END, FIRE, SPURIOUS, NETWORK, CLOSE, ADVANCE, TELEMETRY, CYCLE = range(13)
STATUSES = [200, 200, 200, 200, 204, 301, 400, 404, 429, 500, 502, 503, 504]
CONTENT_TYPES = ['text/event-stream', 'text/event-stream; charset=utf-8', 'TEXT/Event-Stream;charset="UTF-8"',
                 'text/event-stream;charset=latin1', 'text/plain', '', 'text/event-stream; charset=utf-8; charset=x']
RETRY_AFTERS = ['', '0', '5', '120', '99999999999999999999', 'Sun, 06 Nov 1994 08:49:37 GMT',
                'Wed, 21 Oct 2099 07:28:00 GMT', 'soon']
CHUNKS = {'event': 0, 'id7': 1, 'id-reset': 2, 'retry0': 3, 'retry250': 4, 'retry-default': 5, 'type': 6,
          'blank': 7, 'crlf': 8, 'comment': 9, 'multiline': 10, 'bom': 11, 'retry-max': 12, 'retry-2^63': 13,
          'retry-2^53': 14, 'data-unterminated': 15, 'id-invalid-utf8': 16, 'data-field': 17}
GRACEFUL, NETWORK_ERR, HTTP, CTYPE, CORS, CAP, APP, IDLE = range(8)


def response(status=200, ctype=0, retry_after=0, xray=0, traceresponse=0, server_timing=0, resume=True):
    b = bytes([RESPONSE])
    if status in STATUSES:
        b += bytes([0, STATUSES.index(status)])
    else:
        b += bytes([0x80]) + struct.pack('<H', status - 100)
    headers = retry_after | (0 if resume else 0x40)
    return b + bytes([ctype, headers, xray, traceresponse, server_timing])


def raw(data):
    assert len(data) < 256
    return bytes([RAW, len(data)]) + data


def canned(name):
    return bytes([CANNED, CHUNKS[name]])


def repeat(name, times):
    return bytes([REPEAT, CHUNKS[name], times - 1])


def end(t):
    return bytes([END, t])


def advance(ms):
    return bytes([ADVANCE, 1]) + struct.pack('<I', ms) if ms > 255 else bytes([ADVANCE, 0, ms])


OK = response()
FIRE_B = bytes([FIRE])

write('fuzz_connection', 'basic', config() + bytes([START]) + OK + raw(b'id: 1\ndata: hello\n\n') + end(GRACEFUL) +
      FIRE_B + OK + canned('event') + bytes([CLOSE]))
write('fuzz_connection', 'strict-idle', config(strict=True, idle=1000, retry=100) + bytes([START]) + FIRE_B + FIRE_B +
      OK + advance(500) + canned('event') + FIRE_B + FIRE_B + FIRE_B + OK + bytes([CLOSE]))
write('fuzz_connection', 'retry-after', config() + bytes([START]) + response(503, retry_after=3) + FIRE_B +
      response(429, retry_after=5) + FIRE_B + response(502, retry_after=6) + FIRE_B + OK + canned('event'))
write('fuzz_connection', 'fatal', config() + bytes([START]) + response(204) + bytes([START, CLOSE]) +
      OK + canned('event'))
write('fuzz_connection', 'content-type', config() + bytes([START]) + response(200, ctype=3))
write('fuzz_connection', 'offline', config(idle=5000) + bytes([NETWORK, 0, START, NETWORK, 1]) + OK +
      bytes([NETWORK, 0]) + end(NETWORK_ERR) + bytes([NETWORK, 1]) + OK + end(GRACEFUL) + bytes([NETWORK, 0, NETWORK, 1]))
write('fuzz_connection', 'stream-cap', config(cap=16) + bytes([START]) + OK + canned('event') +
      canned('data-unterminated') + FIRE_B + OK + repeat('multiline', 4))
write('fuzz_connection', 'huge-retry', config() + bytes([START]) + OK + canned('retry-max') + end(GRACEFUL) +
      FIRE_B + FIRE_B + bytes([START, CLOSE]))
write('fuzz_connection', 'huge-retry-strict', config(strict=True) + bytes([START]) + OK + canned('retry-2^63') +
      advance(123456) + end(GRACEFUL) + FIRE_B + FIRE_B)
write('fuzz_connection', 'max-retries', config(max_retries=2, retry=0) + bytes([START]) + end(NETWORK_ERR) + FIRE_B +
      end(NETWORK_ERR) + FIRE_B + end(NETWORK_ERR))
write('fuzz_connection', 'backoff', config(retry=1000, max_delay=30000) + bytes([START]) +
      (end(NETWORK_ERR) + FIRE_B) * 8 + OK + canned('event') + end(IDLE))
write('fuzz_connection', 'cycles', config(retry=10) + bytes([START]) + OK + bytes([CYCLE]) * 40 + canned('id7') +
      canned('blank') + bytes([CYCLE]) * 5)
write('fuzz_connection', 'statuses', config(statuses=[500, 404]) + bytes([START]) + response(500) + FIRE_B +
      response(404) + FIRE_B + response(503))
write('fuzz_connection', 'telemetry', config(telemetry=True) + bytes([START]) + OK + repeat('event', 10) +
      bytes([TELEMETRY, 0]) + end(GRACEFUL) + FIRE_B + OK + bytes([TELEMETRY, 2, 0, 0, TELEMETRY, 2, 0, 1,
                                                                    TELEMETRY, 1]) + bytes([CLOSE, TELEMETRY, 0]))
write('fuzz_connection', 'app-trace', config(app_trace=[b'00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
                                                        b'congo', b't61rcWkgMzE'], trace_bits=4) +
      bytes([START]) + response(200, xray=1, traceresponse=2, server_timing=3) + end(CORS))
