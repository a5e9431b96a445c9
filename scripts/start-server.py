#!/usr/bin/env python3
"""Starts a server command in the background, waits until it answers GET /health (at most 120 s) and prints the
answer; the process id goes to --pid-file (stop it with `kill $(cat PIDFILE)`), its output to --log. Lesson 11
uses it for `lmlab serve`. The child gets no file descriptor but its own stdin/stdout/stderr (close_fds), so a
caller that reads this script's output to the end (`lmlab lectures check`) is not kept waiting by the server.

    start-server.py --url http://127.0.0.1:8090 --pid-file /tmp/s.pid --log /tmp/s.log -- lmlab serve --model M --port 8090
"""
import argparse, subprocess, sys, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--pid-file", required=True)
p.add_argument("--log", required=True)
p.add_argument("command", nargs=argparse.REMAINDER)
args = p.parse_args()
command = args.command[1:] if args.command[:1] == ["--"] else args.command

with open(args.log, "wb") as log:
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, close_fds=True,
                              start_new_session=True)
with open(args.pid_file, "w") as f:
    f.write(f"{server.pid}\n")
deadline = time.time() + 120
while True:
    try:
        print(urllib.request.urlopen(args.url.rstrip("/") + "/health", timeout=5).read().decode())
        break
    except OSError as e:
        if server.poll() is not None or time.time() > deadline:
            server.kill()
            sys.exit(f"start-server: {' '.join(command)} did not answer on {args.url} ({e}); see {args.log}")
        time.sleep(0.1)
