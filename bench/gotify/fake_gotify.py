#!/usr/bin/env python3
"""A stand-in Gotify server on 127.0.0.1 for `make bench`'s gotify-tray
memory reference: just enough of the REST API (empty applications and
messages, health, version, current user) and an open /stream websocket, so
that gotify-tray idles connected as it would against a real server.

Usage: fake_gotify.py PORTFILE   (writes the port it listens on to PORTFILE)
Standard library only. Never sends a message; ends on SIGTERM.
"""
import base64
import hashlib
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
EMPTY_PAGE = {"messages": [], "paging": {"size": 0, "since": 0, "limit": 100}}
ANSWERS = {
    "/application": [],
    "/message": EMPTY_PAGE,
    "/health": {"health": "green", "database": "green"},
    "/version": {"version": "2.6.1", "commit": "bench", "buildDate": "2024-01-01T00:00:00Z"},
    "/current/user": {"id": 1, "name": "bench", "admin": False},
    "/client": [],
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/stream":
            return self.stream()
        if path in ANSWERS:
            return self.answer(200, ANSWERS[path])
        if path.startswith("/application/") and path.endswith("/message"):
            return self.answer(200, EMPTY_PAGE)
        return self.answer(404, {"error": "Not Found", "errorCode": 404})

    def do_DELETE(self):
        self.answer(200, {})

    def stream(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        # Hold the socket open; answer pings, end on close.
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(self.rfile.read(2), "big")
            elif length == 127:
                length = int.from_bytes(self.rfile.read(8), "big")
            mask = self.rfile.read(4) if head[1] & 0x80 else b""
            payload = bytearray(self.rfile.read(length))
            for i in range(len(payload)):
                payload[i] ^= mask[i % 4] if mask else 0
            if opcode == 0x8:
                return
            if opcode == 0x9 and len(payload) < 126:
                self.wfile.write(bytes([0x8A, len(payload)]) + bytes(payload))
                self.wfile.flush()


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


if __name__ == "__main__":
    main()
