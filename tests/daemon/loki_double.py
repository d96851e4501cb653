#!/usr/bin/env python3
"""Grafana Loki test double for driftd's integration tests (Python 3.11 standard library only).

Used when the real Loki (../shared/loki/start-loki) is not available. It mirrors the behaviour
measured on Grafana Loki 3.4.6 and documented in ../shared/loki/README.md: JSON pushes (plain or
gzip) answer 204; entries older than 7 days or over 10 minutes ahead, or over 1 h behind their
stream's newest entry, are refused with 400 while the good entries of the same push are stored;
identical entries are deduplicated; query_range answers a stream selector with line filters.
Status codes and messages copy Loki's (JSON parser messages only roughly). Data stays in memory.

Usage: loki_double.py DATA_DIR [HTTP_PORT]   (the bound port is written to DATA_DIR/http_port)
Test hooks: POST /test/fault {"status": 503, "count": N} or {"delay_ms": M, "count": N};
            GET /test/stats -> {"pushes", "stored", "refused", "faults_left"}.
"""
import gzip, json, os, re, signal, sys, threading, time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NS = 1_000_000_000
HOUR = 3600 * NS
MAX_AGE = 168 * HOUR       # limits_config.reject_old_samples_max_age
GRACE = 10 * 60 * NS       # limits_config.creation_grace_period
BEHIND = HOUR              # ingester accepts out-of-order entries up to max_chunk_age (2h) / 2
MAX_LIMIT = 5000           # limits_config.max_entries_limit_per_query
MAX_RANGE = 721 * HOUR     # limits_config.max_query_length (30d1h)
SHAPE = 'loghttp.PushRequest.Streams: []loghttp.LogProtoStream: '
GO_ESCAPES = {'\\b': '\\u0008', '\\f': '\\u000c', '<': '\\u003c', '>': '\\u003e', '&': '\\u0026',
              '\u2028': '\\u2028', '\u2029': '\\u2029'}


class Fail(Exception):
    def __init__(self, msg, status=400):
        super().__init__(msg)
        self.status = status


def go_json(obj):  # as Go's encoding/json writes it: HTML-safe, \u0008 rather than \b
    text = json.dumps(obj, ensure_ascii=False, separators=(',', ':'))
    return re.sub(r'\\.|[<>&\u2028\u2029]', lambda m: GO_ESCAPES.get(m[0], m[0]), text)


def utc(ns, fmt='%Y-%m-%dT%H:%M:%SZ'):
    return datetime.fromtimestamp(ns // NS, timezone.utc).strftime(fmt)


def frac(ns):  # fractional seconds as Go prints them: no trailing zeros
    return f'.{ns % NS:09d}'.rstrip('0').rstrip('.')


def label_str(labels):
    return '{' + ', '.join(f'{k}={json.dumps(v, ensure_ascii=False)}' for k, v in sorted(labels.items())) + '}'


def parse_push(body):
    """[(labels, [(ts, line), ...]), ...]; raises Fail for requests Loki refuses as a whole."""
    if not body.strip():
        raise Fail('EOF')
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise Fail(f'{SHAPE}{e}')
    if doc is not None and not isinstance(doc, dict):
        raise Fail(f'readObjectStart: expect {{ or n, but found {body.strip()[:1].decode(errors="replace")}')
    streams = (doc or {}).get('streams')
    if not streams:
        raise Fail('error at least one valid stream is required for ingestion', 422)
    if not isinstance(streams, list):
        raise Fail(f'{SHAPE}decode slice: expect [ or n, but found {json.dumps(streams)[:20]}')
    out = []
    for s in streams:
        labels, values = (s.get('stream') or {}, s.get('values') or []) if isinstance(s, dict) else (0, 0)
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise Fail(f'{SHAPE}"stream" must be an object of string label values')
        if not isinstance(values, list):
            raise Fail(f'{SHAPE}unmarshalerDecoder: Malformed JSON error, "values" must be an array')
        for v in values:
            if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)):
                raise Fail(f'{SHAPE}unmarshalerDecoder: an entry must be ["<unix ns>", "<line>"], not {json.dumps(v)[:60]}')
            if not re.fullmatch(r'-?[0-9]{1,19}', v[0]) or not -2**63 <= int(v[0]) < 2**63:
                raise Fail(f'{SHAPE}unmarshalerDecoder: timestamp {json.dumps(v[0])} is not an int64 of nanoseconds')
        out.append(({k: v for k, v in labels.items() if v != ''}, [(int(ts), line) for ts, line in values]))
    return out


class Store:
    def __init__(self):
        self.lock = threading.Lock()  # guards everything below
        self.streams = {}  # label_str -> {'labels', 'entries': [(ts, line)] in arrival order, 'seen', 'highest'}
        self.pushes = self.stored = self.refused = 0
        self.faults = []   # one (status or None, delay_ms) per coming push

    def push(self, streams, now):
        invalid, behind = [], []  # the distributor's validation errors, the ingester's
        with self.lock:
            for labels, entries in streams:
                key = label_str(labels)
                if not labels:
                    invalid.append('error at least one label pair is required per stream')
                    self.refused += len(entries)
                    continue
                good = []
                for ts, line in entries:
                    if ts < now - MAX_AGE:
                        invalid.append(f"entry for stream '{key}' has timestamp too old: {utc(ts)}, "
                                       f"oldest acceptable timestamp is: {utc(now - MAX_AGE)}")
                    elif ts > now + GRACE:
                        invalid.append(f"entry for stream '{key}' has timestamp too new: {utc(ts)}")
                    else:
                        good.append((ts, line))
                st = self.streams.setdefault(key, {'labels': labels, 'entries': [], 'seen': set(), 'highest': None})
                late = []
                for ts, line in good:  # the ingester takes them one by one
                    if st['highest'] is not None and ts < st['highest'] - BEHIND:
                        late.append(f"entry with timestamp {utc(ts, '%Y-%m-%d %H:%M:%S')}{frac(ts)} +0000 UTC "
                                    f"ignored, reason: 'entry too far behind, entry timestamp is: {utc(ts)}, "
                                    f"oldest acceptable timestamp is: {utc(st['highest'] - BEHIND)}',\n")
                    elif (ts, line) not in st['seen']:
                        st['seen'].add((ts, line))
                        st['entries'].append((ts, line))
                        st['highest'] = ts if st['highest'] is None else max(st['highest'], ts)
                        self.stored += 1
                self.refused += len(entries) - len(good) + len(late)
                if late:  # Loki lists at most 10 (ingester.max-ignored-stream-errors)
                    behind.append(''.join(late[:10]) + f"user 'fake', total ignored: {len(late)} out of "
                                  f"{len(good)} for stream: {key}")
        if behind:  # an ingester error wins over validation errors; the last stream's is returned
            raise Fail(behind[-1])
        if len(invalid) == 1:
            raise Fail(invalid[0])
        if invalid:  # identical messages are grouped (Loki's group order is random: Go map iteration)
            raise Fail('; '.join(f'{invalid.count(m)} errors like: {m}' for m in dict.fromkeys(invalid)))


TOKEN = re.compile(r'\s*(?:(?P<STRING>"(?:[^"\\]|\\.)*"|`[^`]*`)|(?P<OP>=~|!~|!=|\|=|\|~|=|[{},])'
                   r'|(?P<IDENTIFIER>[a-zA-Z_][a-zA-Z0-9_]*)|(?P<CHAR>\S))')


def parse_query(q):
    """'{a="x", b=~"re"} |= "text" != "other"' -> (label matchers, line filters), each [(name, op, value)]."""
    toks, pos = [], 0
    while (m := TOKEN.match(q, pos)) and m.lastgroup:
        toks.append((m.lastgroup, m[m.lastgroup], m.start(m.lastgroup) + 1))
        pos = m.end()
    toks.append(('$end', '$end', len(q) + 1))

    def take(wanted, expecting):
        kind, text, col = toks.pop(0)
        if kind not in wanted and text not in wanted:
            where = 'parse error : ' if not q.strip() else f'parse error at line 1, col {col}: '
            raise Fail(f'{where}syntax error: unexpected {text if kind in ("OP", "CHAR") else kind}, expecting {expecting}')
        if kind != 'STRING':
            return text
        try:
            return text[1:-1] if text[0] == '`' else json.loads(text)
        except ValueError:
            raise Fail(f'parse error at line 1, col {col}: invalid char escape')

    def operand(op):  # the string after an operator; a compiled regex after =~, !~, |~
        value = take({'STRING'}, 'STRING')
        try:
            return re.compile(value, re.S) if '~' in op else value
        except re.error as e:
            raise Fail(f'parse error : error parsing regexp: {e}: `{value}`')

    matchers, filters = [], []
    take({'{'}, '{')
    closed = toks[0][1] == '}' and toks.pop(0)
    while not closed:
        name = take({'IDENTIFIER'}, 'IDENTIFIER')
        op = take({'=', '!=', '=~', '!~'}, '=, !=, =~ or !~')
        matchers.append((name, op, operand(op)))
        closed = take({',', '}'}, '} or ,') == '}'
    while toks[0][0] != '$end':
        op = take({'|=', '!=', '|~', '!~'}, '|=, !=, |~ or !~')
        filters.append(('', op, operand(op)))
    if all(label_ok(m, '') for m in matchers):
        raise Fail('parse error : queries require at least one regexp or equality matcher that does not have an '
                   'empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will')
    return matchers, filters


def label_ok(matcher, value):  # regexes are fully anchored, as in Prometheus
    _, op, want = matcher
    return (want.fullmatch(value) is not None if '~' in op else value == want) != op.startswith('!')


def line_ok(line_filter, line):
    _, op, want = line_filter
    return (want.search(line) is not None if '~' in op else want in line) != op.startswith('!')


def parse_time(name, text, default):
    """As Loki's loghttp.parseTimestamp: seconds with decimals, unix seconds (<= 10 digits), ns, RFC3339."""
    try:
        if not text:
            return default
        if '.' in text and re.fullmatch(r'[+-]?[0-9.]+(e[+-]?[0-9]+)?', text, re.I):
            sec = int(float(text))
            return sec * NS + round((float(text) - sec) * 1000) * 1_000_000
        if re.fullmatch(r'[+-]?[0-9]+', text):
            return int(text) * (NS if len(text) <= 10 else 1)
        if m := re.fullmatch(r'(\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)', text):
            dt = datetime.fromisoformat(m[1] + ('+00:00' if m[3] in 'Zz' else m[3]))
            return int(dt.timestamp()) * NS + int((m[2] or '0').ljust(9, '0'))
    except (ValueError, OverflowError):
        pass
    raise Fail(f"could not parse '{name}' parameter: strconv.ParseInt: parsing {json.dumps(text)}: invalid syntax")


def query_range(store, arg, now):
    matchers, filters = parse_query(arg('query'))
    end = parse_time('end', arg('end'), now)
    start = parse_time('start', arg('start'), end - HOUR)
    if not re.fullmatch(r'[+-]?[0-9]+', arg('limit') or '100'):
        raise Fail(f'strconv.Atoi: parsing {json.dumps(arg("limit"))}: invalid syntax')
    limit = int(arg('limit') or 100)
    direction = (arg('direction') or 'backward').lower()
    for bad, msg in ((limit <= 0, 'limit must be a positive value'),
                     (limit > MAX_LIMIT, f'max entries limit per query exceeded, limit > max_entries_limit_per_query '
                                         f'({limit} > {MAX_LIMIT})'),
                     (direction not in ('forward', 'backward'), f"invalid direction '{arg('direction')}'"),
                     (end < start, 'end timestamp must not be before or equal to start time'),
                     (end - start > MAX_RANGE, f'the query time range exceeds the limit (query length: '
                                               f'{(end - start) // HOUR}h{(end - start) % HOUR // (60 * NS)}m'
                                               f'{(end - start) % (60 * NS) // NS}{frac(end - start)}s, limit: 30d1h)')):
        if bad:
            raise Fail(msg)
    backward = direction == 'backward'
    picked = {}  # label_str -> (labels, matching entries in answer order: ties keep arrival order)
    with store.lock:
        for key, st in store.streams.items():
            if all(label_ok(m, st['labels'].get(m[0], '')) for m in matchers):
                rows = sorted((e for e in st['entries'] if start <= e[0] < end and
                               all(line_ok(f, e[1]) for f in filters)), key=lambda e: e[0])
                if rows:
                    picked[key] = (st['labels'], rows[::-1] if backward else rows)
    # the limit counts entries over all streams, from the starting edge of the direction
    order = sorted(((rows[i][0], key, i) for key, (_, rows) in picked.items() for i in range(len(rows))),
                   key=lambda t: t[0], reverse=backward)
    keep = {(key, i) for _, key, i in order[:limit]}
    result = [{'stream': dict(sorted(labels.items())),
               'values': [[str(ts), line] for i, (ts, line) in enumerate(rows) if (key, i) in keep]}
              for key, (labels, rows) in sorted(picked.items(), reverse=backward)]  # streams by labels
    return {'status': 'success', 'data': {'resultType': 'streams',
                                          'result': [r for r in result if r['values']], 'stats': {}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    store = Store()

    def log_message(self, fmt, *args):  # one line per request
        sys.stderr.write(f'loki_double: {self.address_string()} {fmt % args}\n')

    def reply(self, status, body='', ctype='text/plain; charset=utf-8'):
        body = body.encode()
        self.send_response(status)
        if status != 204:
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def do_GET(self):
        self.route('GET', b'')

    def do_POST(self):
        self.route('POST', self.rfile.read(int(self.headers.get('Content-Length') or 0)))

    def route(self, method, body):
        url, store = urlsplit(self.path), self.store
        where = f'{method} {url.path}'
        try:
            if where == 'GET /ready':
                self.reply(200, 'ready\n')
            elif where == 'POST /loki/api/v1/push':
                self.push(body)
            elif where == 'GET /loki/api/v1/query_range':
                params = parse_qs(url.query)
                try:
                    answer = query_range(store, lambda k: params.get(k, [''])[-1], time.time_ns())
                except Fail as e:  # query errors come without a trailing newline
                    return self.reply(e.status, str(e))
                self.reply(200, go_json(answer) + '\n', 'application/json; charset=UTF-8')
            elif where == 'POST /test/fault':
                spec = json.loads(body or b'{}')
                fault = (int(spec['status']) if spec.get('status') else None, int(spec.get('delay_ms', 0)))
                with store.lock:
                    store.faults += [fault] * int(spec.get('count', 1))
                self.reply(200, 'ok\n')
            elif where == 'GET /test/stats':
                with store.lock:
                    stats = dict(pushes=store.pushes, stored=store.stored, refused=store.refused,
                                 faults_left=len(store.faults))
                self.reply(200, json.dumps(stats) + '\n', 'application/json')
            else:
                self.reply(404, '404 page not found\n')
        except Fail as e:
            self.reply(e.status, f'{e}\n')
        except (ValueError, TypeError, AttributeError) as e:  # a malformed /test/fault body
            self.reply(400, f'bad test request: {e}\n')

    def push(self, body):
        with self.store.lock:
            self.store.pushes += 1
            status, delay_ms = self.store.faults.pop(0) if self.store.faults else (None, 0)
        time.sleep(delay_ms / 1000)
        if status:
            return self.reply(status, 'injected fault\n')
        encoding = self.headers.get('Content-Encoding', '').lower()
        if encoding == 'gzip':
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError):
                raise Fail('unexpected EOF')
        elif encoding not in ('', 'identity'):
            raise Fail(f'Content-Encoding "{encoding}" not supported')
        if self.headers.get('Content-Type', '').split(';')[0].strip().lower() != 'application/json':
            raise Fail('snappy: corrupt input')  # Loki reads any other body as snappy-compressed protobuf
        self.store.push(parse_push(body), time.time_ns())
        self.reply(204)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: loki_double.py DATA_DIR [HTTP_PORT]')
    os.makedirs(sys.argv[1], exist_ok=True)
    server = ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2]) if len(sys.argv) == 3 else 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    tmp = os.path.join(sys.argv[1], f'http_port.tmp.{os.getpid()}')
    with open(tmp, 'w') as f:
        f.write(f'{port}\n')
    os.replace(tmp, os.path.join(sys.argv[1], 'http_port'))
    for sig in (signal.SIGTERM, signal.SIGINT):  # shutdown() must run off the serving thread
        signal.signal(sig, lambda *_: threading.Thread(target=server.shutdown).start())
    sys.stderr.write(f'loki_double: listening on 127.0.0.1:{port}\n')
    server.serve_forever()
    server.server_close()
    sys.exit(0)


if __name__ == '__main__':
    main()
