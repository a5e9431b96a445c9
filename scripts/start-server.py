#!/usr/bin/env python3
"""Starts `lmlab serve … --port 0` in the background, waits until it answers GET /health (at most 120 s) and prints
the answer. The server picks a free port and prints its address ("lmlab serve: … on http://127.0.0.1:PORT"); this
script reads it from the server's output and writes it to --url-file, so the commands after it (lessons 11 and 13)
find the server with `$(cat URLFILE)` or `open(URLFILE).read()` — no fixed port that another program may hold.
The process id goes to --pid-file (stop it with `kill $(cat PIDFILE)`), the server's output to --log. The child
gets no file descriptor but its own stdin/stdout/stderr (close_fds), so a caller that reads this script's output
to the end (`lmlab lectures check`) is not kept waiting by the server.

    start-server.py --url-file /tmp/s.url --pid-file /tmp/s.pid --log /tmp/s.log -- lmlab serve --model M --port 0
"""
import argparse, re, subprocess, sys, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--url-file", required=True)
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


def fail(why):
    server.kill()
    sys.exit(f"start-server: {' '.join(command)} {why}; see {args.log}")


deadline = time.time() + 120
url = None
while url is None:  # the address the server printed once it listens
    found = re.search(r" on (http://\S+)", open(args.log, errors="replace").read())
    if found:
        url = found.group(1)
    elif server.poll() is not None or time.time() > deadline:
        fail("did not say where it listens")
    else:
        time.sleep(0.1)
while True:
    try:
        health = urllib.request.urlopen(url + "/health", timeout=5).read().decode()
        break
    except OSError as e:
        if server.poll() is not None or time.time() > deadline:
            fail(f"did not answer on {url} ({e})")
        time.sleep(0.1)
with open(args.url_file, "w") as f:
    f.write(url)
print(health)
