#!/usr/bin/env python3
"""A minimal loopback DNS responder for the README smoke test: answers every A query with
192.0.2.53 (TTL 60) and everything else with an empty NOERROR. Loopback only."""
import socket
import struct
import sys

addr = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 53
assert addr.startswith("127.") or addr == "::1", "loopback only"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((addr, port))
while True:
    data, peer = sock.recvfrom(4096)
    if len(data) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    end = 12
    while end < len(data) and data[end] != 0:
        end += data[end] + 1
    question = data[12:end + 5]
    qtype = struct.unpack(">H", data[end + 1:end + 3])[0] if end + 3 <= len(data) else 0
    answers = b""
    ancount = 0
    if qtype == 1:
        answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 53])
        ancount = 1
    header = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, ancount, 0, 0)
    sock.sendto(header + question + answers, peer)
