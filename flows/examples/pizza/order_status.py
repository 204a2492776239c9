#!/usr/bin/env python3
"""A slow kitchen: the web service the pizza example's `where_is_my_order` task asks.

It takes five seconds to answer, longer than a caller should wait in silence, so a call
hears the hold message ("One moment while I ask the kitchen.") and Twilio is sent back until
the answer comes. Run it beside `switchboard serve --flows flows/examples/pizza`:

    python3 flows/examples/pizza/order_status.py          # listens on 127.0.0.1:8099
    python3 flows/examples/pizza/order_status.py --delay 40   # past the 30 s budget: give_up
"""

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class Kitchen(BaseHTTPRequestHandler):
    delay = 5.0

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        time.sleep(self.delay)
        channel = form.get("Channel", ["voice"])[0]
        answer = {
            "actions": [
                {"say": "Your pizza left the kitchen five minutes ago; it will be with you in about twenty minutes."},
                {"listen": True} if channel == "voice" else {"say": "Anything else? Text ORDER to order again."},
            ]
        }
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--delay", type=float, default=5.0, help="seconds before answering")
    args = parser.parse_args()
    Kitchen.delay = args.delay
    ThreadingHTTPServer(("127.0.0.1", args.port), Kitchen).serve_forever()


if __name__ == "__main__":
    main()
