#!/usr/bin/env python3
"""cutting_proxy.py LISTEN_PORT TARGET_HOST:PORT CUT_EVERY_MS [LOSE_EVERY_NTH_ANSWER]

A TCP proxy for fault injection: forwards every connection to TARGET and,
every CUT_EVERY_MS milliseconds, cuts every open connection (both sides
shut down mid-stream, requests in flight lost either way). With
LOSE_EVERY_NTH_ANSWER, it also cuts a connection instead of forwarding
every Nth piece of data the target sends back (counted over all
connections): the request it answers was handled, its answer is lost, so
the client retries something the target already did. Timed cuts alone may
miss every request in flight on a fast machine; lost answers do not.
Real sockets, so the client's and the broker's own error paths run. Prints
"listening <port>" once ready and, on SIGTERM, "cuts <n>" (connections cut).
"""
import select
import signal
import socket
import sys
import threading
import time

listen_port = int(sys.argv[1])
target_host, target_port = sys.argv[2].rsplit(":", 1)
cut_every = int(sys.argv[3]) / 1000.0
lose_every = int(sys.argv[4]) if len(sys.argv) > 4 else 0

lock = threading.Lock()
pairs = []  # (client, upstream) sockets alive
cuts = 0
answers = 0  # pieces of data from targets, for lose_every


def lose_this_answer():
    global answers, cuts
    if lose_every <= 0:
        return False
    with lock:
        answers += 1
        if answers % lose_every != 0:
            return False
        cuts += 1
        return True


def pump(client, upstream):
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 1.0)
            for s in readable:
                data = s.recv(65536)
                if not data:
                    return
                if s is upstream and lose_this_answer():
                    for side in sockets:
                        side.shutdown(socket.SHUT_RDWR)
                    return
                (upstream if s is client else client).sendall(data)
    except OSError:
        pass
    finally:
        for s in sockets:
            try:
                s.close()
            except OSError:
                pass
        with lock:
            if (client, upstream) in pairs:
                pairs.remove((client, upstream))


def cutter():
    global cuts
    while True:
        time.sleep(cut_every)
        with lock:
            victims = list(pairs)
            pairs.clear()
        for client, upstream in victims:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with lock:
                cuts += 1


def stop(*_):
    print(f"cuts {cuts}", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen_port))
server.listen(64)
print(f"listening {server.getsockname()[1]}", flush=True)
threading.Thread(target=cutter, daemon=True).start()
while True:
    client, _ = server.accept()
    try:
        upstream = socket.create_connection((target_host, int(target_port)))
    except OSError:
        client.close()
        continue
    with lock:
        pairs.append((client, upstream))
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
