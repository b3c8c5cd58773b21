#!/usr/bin/env python3
"""test-qemu/serial-io.py - the far end of an emulated COM1 for cases that
type into the hypervisor's console (the "send" key of test-qemu/cases.txt).

Listens on 127.0.0.1 (a free port, written to --port-file once listening),
accepts the emulator's connection (QEMU -serial tcp:..., Bochs com1
mode=socket-client), writes every byte received to --log, and sends each
input when the output matches its regex: sends fire once each, in order,
and each regex is searched only in the output after the previous send's
match.  Output is matched as run.sh's checks see it: carriage returns, NULs
and ANSI escape sequences removed; Python re syntax, MULTILINE (^ and $ are
line bounds).  Ends when the emulator closes the connection, or after
--timeout seconds; what was not sent is reported on stderr (run.sh shows
it under a failure).

--send takes a file of lines "REGEX => TEXT"; TEXT takes the escapes \\r,
\\n, \\t, \\\\ and \\xNN (Ctrl-T, the console's escape, is \\x14).
"""
import argparse
import os
import re
import select
import socket
import sys
import time

ANSI = re.compile(rb"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][A-Za-z0-9]")


def unescape(text):
    """\\r, \\n, \\t, \\\\, \\xNN in text -> bytes; anything else is an error."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("latin-1")
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if nxt in ("r", "n", "t", "\\"):
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[nxt]
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("bad escape at %r" % text[i:i + 4])
    return bytes(out)


def load_sends(path):
    sends = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            regex, sep, text = line.partition(" => ")
            if not sep:
                raise ValueError("send wants 'REGEX => TEXT': %r" % line)
            sends.append((re.compile(regex, re.MULTILINE), unescape(text), regex))
    return sends


def serve(args, sends):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with open(args.port_file + ".tmp", "w", encoding="ascii") as f:
        f.write("%d\n" % srv.getsockname()[1])
    # rename: the reader never sees a half-written port number
    os.rename(args.port_file + ".tmp", args.port_file)
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    srv.settimeout(args.timeout)
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        print("serial-io: the emulator never connected", file=sys.stderr)
        return 1
    srv.close()
    text, pos, nsent = "", 0, 0
    with open(args.log, "ab", buffering=0) as log:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([conn], [], [], 0.5)
            if not ready:
                continue
            try:
                data = conn.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                break
            log.write(data)
            text += ANSI.sub(b"", data.replace(b"\r", b"").replace(b"\0", b"")).decode("latin-1")
            while nsent < len(sends):
                m = sends[nsent][0].search(text, pos)
                if not m:
                    break
                conn.sendall(sends[nsent][1])
                print("serial-io: %.1f s: sent %r after /%s/" % (time.monotonic() - t0,
                      sends[nsent][1], sends[nsent][2]), file=sys.stderr)
                pos, nsent = m.end(), nsent + 1
    conn.close()
    for s in sends[nsent:]:
        print("serial-io: never sent %r: no output matched /%s/" % (s[1], s[2]), file=sys.stderr)
    return 0 if nsent == len(sends) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--send", help="file of 'REGEX => TEXT' lines")
    p.add_argument("--timeout", type=float, default=600)
    args = p.parse_args()
    try:
        sends = load_sends(args.send) if args.send else []
    except (OSError, ValueError, re.error) as e:
        print("serial-io: %s" % e, file=sys.stderr)
        return 2
    return serve(args, sends)


if __name__ == "__main__":
    sys.exit(main())
