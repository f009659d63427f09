#!/usr/bin/env python3
"""A LiveKit RoomService stand-in for ops/fuzz: answers every Twirp call
(CreateRoom, DeleteRoom) with 200 and an empty object, so that fuzzed calls are
set up, rung, accepted and ended instead of all stopping at "calling is not
configured". Usage: fuzz_livekit.py PORT"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RoomService(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), RoomService).serve_forever()
