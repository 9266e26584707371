#!/usr/bin/env python3
"""Serve a folder over HTTP on 127.0.0.1, standing in for the pipeline's
web source (the WHO's download server) in the demo and the tests.

    serve.py DIR PORT_FILE

Binds a free port on 127.0.0.1 only, writes the port number to PORT_FILE
once it is listening, and serves DIR until it is killed. Missing files are
404s, as a real server's would be.
"""
import functools
import http.server
import os
import sys


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: serve.py DIR PORT_FILE\n")
        return 2
    directory, port_file = sys.argv[1], sys.argv[2]
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
