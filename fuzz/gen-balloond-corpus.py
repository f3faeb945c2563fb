#!/usr/bin/env python3
# Writes the seed corpora of vmsilo-balloond's harnesses (ch-response,
# ch-vminfo, crosvm-stats, memstat) into fuzz/corpus/. Each file is named by its SHA-1.
# Run from the project root: fuzz/gen-balloond-corpus.py
import hashlib, os, struct

def put(name, data):
    d = os.path.join('fuzz', 'corpus', name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)

info = (b'{"config":{"cpus":{"boot_vcpus":2,"max_vcpus":2},"memory":{"size":4294967296,'
        b'"mergeable":false,"shared":true,"hugepages":false},"balloon":{"size":1073741824,'
        b'"deflate_on_oom":false,"free_page_reporting":true},"payload":{"kernel":"/k"}},'
        b'"state":"Running","memory_actual_size":3221225472,"device_tree":{"_balloon":{"id":"_balloon",'
        b'"resources":[],"children":[],"pci_bdf":null}}}')
infos = [info,
         b'{"config":{"memory":{"size":1073741824},"balloon":null},"state":"Paused"}',
         b'{"config":{"memory":{"size":1048576},"balloon":{"size":2097152}}}',
         b'{"config":{"memory":{"size":"4096"}}}',
         b'{"config":{"memory":{"size":1e9}}}',
         b'[' * 40 + b']' * 40,
         b'{"config":{"memory":{"size":1048576}}} x']
for b in infos:
    put('ch-vminfo', b)

def http(status, body, extra=b'', length=True):
    h = b'HTTP/1.1 ' + status + b'\r\nServer: Cloud Hypervisor API\r\nConnection: keep-alive\r\n' + extra
    if length:
        h += b'Content-Type: application/json\r\nContent-Length: ' + str(len(body)).encode() + b'\r\n'
    return h + b'\r\n' + body

for chunk in (0, 7, 63):
    put('ch-response', bytes([chunk]) + http(b'200 OK', info))
put('ch-response', b'\x03' + http(b'204 No Content', b'', length=False))
put('ch-response', b'\x01' + http(b'500 Internal Server Error', b'{"error":"x"}'))
put('ch-response', b'\x02' + http(b'200 OK', b'', extra=b'Transfer-Encoding: chunked\r\n', length=False))
put('ch-response', b'\x02' + http(b'200 OK', infos[1], extra=b'Content-Length: 3\r\n'))
put('ch-response', b'\x05HTTP/1.1 200 OK\nContent-Length: 2\n\n{}')
put('ch-response', b'\x05' + http(b'200 OK', info)[:60])

def rec(seq, total, avail, magic=b'VMMS', version=1, flags=0):
    return magic + struct.pack('<HHQQQ', version, flags, seq, total, avail)

G = 1 << 30
put('memstat', bytes([0x40, 10]) + rec(1000, 4 * G, G) + rec(2000, 4 * G, G // 2) + rec(3000, 4 * G, 3 * G))
put('memstat', bytes([0x40, 10]) + rec(1000, 8 * G, G))              # total above configured
put('memstat', bytes([0x40, 10]) + rec(1000, 2 * G, 3 * G))          # available above total
put('memstat', bytes([0x00, 10]) + rec(5, 4 * G, G) + rec(5, 4 * G, G))  # not increasing
put('memstat', bytes([0x40, 1]) + rec(5, 4 * G, G) + rec(10**9, 4 * G, G))  # clock jump
put('memstat', bytes([0x40, 10]) + rec(1, G, G, magic=b'XXXX'))
put('memstat', bytes([0x40, 10]) + rec(1, G, G, version=2))
put('memstat', bytes([0x40, 10]) + rec(1, G, G, flags=1))
put('memstat', bytes([0x40, 10]) + rec(1, G, G)[:20])

stats = (b'{"BalloonStats":{"stats":{"swap_in":0,"swap_out":0,"major_faults":0,"minor_faults":0,'
         b'"free_memory":100,"total_memory":2147483648,"available_memory":1073741824,"disk_caches":0,'
         b'"hugetlb_allocations":null,"hugetlb_failures":null,"shared_memory":null,'
         b'"unevictable_memory":null},"balloon_actual":268435456}}')
for b in (stats, b'"Ok"', b'{"Err":22}', b'"Nope"',
          b'{"BalloonStats":{"stats":{"total_memory":null},"balloon_actual":0}}',
          b'{"BalloonStats":{"stats":{"total_memory":10,"available_memory":11},"balloon_actual":0}}',
          b'{"BalloonStats":{"stats":{},"balloon_actual":-1}}', stats[:50]):
    put('crosvm-stats', b)
