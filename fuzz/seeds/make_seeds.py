#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (fuzz/corpus/<target>/seed-*).

Run from anywhere: python3 fuzz/seeds/make_seeds.py. Crash inputs found later are kept next
to the seeds as corpus/<target>/regression-*; the workspace test fuzz_replay replays both.
"""
import hashlib
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")

ORIGINS = [
    b"https://example.com", b"http://localhost:3000", b"http://[::1]:8080", b"null",
    b"https://a.example.com", b"https://a.b.example.com", b"https://example.com.evil.net",
    b"https://evilexample.com", b"https://examplexcom", b"https://example.com%60.evil.net",
    b"https://example.com_.evil.net", b"https://example.com`.evil.net", b"http://example.com",
    b"https://example.com:443", b"https://EXAMPLE.com", b"https://example.com.", b"https://example.com/",
    b"https://example.com@evil.net", b"https://example.com https://evil.net", b"",
    b"https://pr-12.preview.example.com", b"https://a.test", b"http://127.0.0.1:8080",
    b"http://127.000.0.1", b"http://[::0:1]", b"chrome-extension://abcdefghijklmnop",
    b"https://ex\xd0\xb0mple.com", b"https://\xff\xfe", b"https://a.example.com:8443",
    b"https://a.test:8443", b"http://localhost", b"https://" + b"a" * 70 + b".com",
]

REQUEST_HEADERS = [
    b"content-type", b"Content-Type, X-API-KEY", b"x-api-key\ncontent-type", b"", b" , ,\t",
    b"x-mixed-case", b"authorization", b"x-a, authorization", b"x foo", b"x:foo", b"\xc3\xa9",
    b"," * 20, b",".join(b"x-%d" % i for i in range(70)), b"a" * 5000, b"content-type,,,x-api-key",
    b"content-type\n\n\nx-api-key", b"x-unlisted", b"content-type, x-unlisted", b"\tcontent-type\t",
    b"Content-Type\nX-Api-Key\nx-mixed-case",
]

TOML = b'''allow_origins = ["https://example.com", "https://*.example.org", "http://localhost:*"]
allow_origin_regex = ["https://pr-[0-9]+\\\\.preview\\\\.example\\\\.com"]
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
allow_credentials = false
max_age = 600
'''
JSON = b'{"allow_origins": ["https://example.com"], "allow_credentials": true, "allow_methods": ["put"], "max_age": 86400}'
YAML = b'allow_origins:\n  - https://example.com\n  - https://*.example.org\nallow_headers: ["*"]\nexpose_headers: ["*"]\n'
POLICY_FILES = [
    b"\x00" + TOML, b"\x01" + JSON, b"\x02" + YAML,
    b"\x00allow_origins = [\"*\"]\n", b"\x01{\"allow_origins\": [\"*\"], \"allow_credentials\": true}",
    b"\x02allow_origins: [\"https://Example.com/\"]\nmax_age: 100000\n", b"\x00allow_origin = 1\n",
    b"\x01[]", b"\x02- a\n- b\n", b"\x00", b"\x01{", b"\x02: : :\n",
    b"\x00allow_origin_regex = [\"(\"]\n", b"\x01{\"allow_origin_regex\": [\"https://.*\\\\.example\\\\.com\"]}",
    b"\x00allow_origins = [\"https://*.github.io\"]\nallow_credentials = true\n",
    b"\x02allow_origins: [null]\n", b"\x01{\"allow_origins\": [\"null\"], \"allow_null_origin\": true}",
    b"\x00allow_origins = [\"https://example.com\"]\nallow_methods = [\"TRACE\", \"BAD METHOD\"]\n",
    b"\x00allow_origins = [\"https://example.com\"]\npreflight_status = 302\n",
    b"\x02allow_origins: ['http://[::1]:8080', 'chrome-extension://abc']\nallow_private_network: true\n",
]

def decision(flags, masks, handler, method, headers, max_age=None):
    out = bytes([flags]) + bytes(masks)
    if flags & 32:
        out += bytes([max_age or 2])
    out += bytes([handler]) + method
    for which, value in headers:
        out += b"\n" + which + value
    return out

DECISIONS = [
    decision(0, [1, 0, 0, 0, 1], 0, b"GET", [(b"0", b"https://example.com")]),
    decision(1, [3, 0, 1, 1, 1], 7, b"OPTIONS", [(b"0", b"https://a.example.com"), (b"1", b"PUT"), (b"2", b"content-type")]),
    decision(16, [0, 0, 15, 15, 4], 1, b"OPTIONS", [(b"0", b"https://x.test"), (b"1", b"PURGE"), (b"2", b"x-a, authorization")]),
    decision(2, [1, 0, 0, 0, 0], 2, b"GET", [(b"0", b"null")]),
    decision(4 | 32, [4, 0, 0, 0, 0], 4, b"OPTIONS", [(b"0", b"http://localhost:3000"), (b"1", b"GET"), (b"3", b"true")], 9),
    decision(8, [1, 0, 1, 1, 0], 31, b"OPTIONS", [(b"0", b"https://example.com"), (b"1", b"PUT")]),
    decision(8, [1, 0, 1, 1, 0], 31, b"OPTIONS", [(b"0", b"https://evil.net"), (b"1", b"PUT")]),
    decision(0, [0, 7, 0, 0, 0], 0, b"GET", [(b"0", b"https://pr-1.preview.example.com")]),
    decision(0, [0, 7, 0, 0, 0], 0, b"GET", [(b"0", b"https://pr-1Xpreview.example.com")]),
    decision(1, [1, 0, 0, 0, 0], 0, b"GET", [(b"0", b"https://example.com"), (b"4", b"https://example.com")]),
    decision(0, [1, 0, 0, 0, 0], 8, b"POST", [(b"0", b"")]),
    decision(0, [1, 0, 0, 0, 0], 0, b"OPTIONS", [(b"0", b"https://example.com"), (b"1", b""), (b"1", b"PUT")]),
    decision(0, [1, 0, 4, 0, 0], 0, b"OPTIONS", [(b"0", b"https://example.com"), (b"1", b"patch")]),
    decision(0, [1, 0, 0, 8, 0], 0, b"OPTIONS", [(b"0", b"https://example.com"), (b"1", b"GET"), (b"2", b"," * 40)]),
    decision(1, [128, 0, 0, 0, 0], 0, b"GET", [(b"0", b"https://a.example.org:9999")]),
    decision(0, [64, 0, 0, 0, 0], 0, b"GET", [(b"0", b"chrome-extension://abcdefghijklmnop")]),
    decision(0, [1, 0, 0, 0, 0], 0, b"options", [(b"0", b"https://example.com"), (b"1", b"PUT")]),
    decision(0, [1, 0, 0, 0, 0], 0, b"GET", [(b"5", b"whatever"), (b"0", b"https://EXAMPLE.COM")]),
    decision(17, [1, 0, 0, 0, 0], 0, b"GET", [(b"0", b"https://example.com")]),
    decision(0, [32, 0, 0, 0, 0], 0, b"OPTIONS", [(b"0", b"http://[::1]"), (b"1", b"DELETE")]),
]

def write(target, items):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    for item in items:
        name = "seed-" + hashlib.sha1(item).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(item)

write("origin", ORIGINS)
write("request_headers", REQUEST_HEADERS)
write("policy_file", POLICY_FILES)
write("decision", DECISIONS)
