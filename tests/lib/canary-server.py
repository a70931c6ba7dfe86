#!/usr/bin/python3
# The other end of GetUrl and DnsLookup in tests: an HTTP server on 127.0.0.1 (a free port,
# written to PORTFILE) and a DNS responder on 127.0.0.1:53 (answering "no such name"). Each
# request is a line of LOG: "GET /path" or "DNS name".
# Usage: canary-server.py LOG PORTFILE
import http.server
import os
import socket
import sys
import threading

log_path, port_path = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def note(line):
    with lock, open(log_path, "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        note("GET " + self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def qname(packet):
    labels, i = [], 12
    while i < len(packet) and packet[i] != 0:
        n = packet[i]
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels), i + 5  # the name's end, its type and class


def serve_dns(sock):
    while True:
        packet, peer = sock.recvfrom(512)
        if len(packet) < 12:
            continue
        name, end = qname(packet)
        note("DNS " + name)
        # The question back, flags: a response, recursion available, NXDOMAIN.
        reply = packet[:2] + b"\x81\x83" + b"\x00\x01\x00\x00\x00\x00\x00\x00" + packet[12:end]
        sock.sendto(reply, peer)


dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.bind(("127.0.0.1", 53))
threading.Thread(target=serve_dns, args=(dns,), daemon=True).start()
httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_path + ".tmp", "w") as f:
    f.write(str(httpd.server_address[1]))
os.rename(port_path + ".tmp", port_path)
httpd.serve_forever()
