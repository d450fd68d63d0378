#!/usr/bin/env bash
# The interactive shell of `loch sql` on a real terminal (a pseudo-terminal):
# statements spanning lines, dot commands, errors that keep the shell, and
# history saved in ~/.loch_history.
source "$(dirname "$0")/../lib/assert.sh"

export HOME="$WORK"
python3 - "$LOCH" >"$WORK/screen" 2>&1 <<'PY'
import os, pty, sys, time, select

loch = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(loch, [loch, "sql", "--data-dir", "data"])

def read_until(marker, timeout=20):
    out = b""
    end = time.time() + timeout
    while marker.encode() not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out.decode(errors="replace")

screen = read_until("loch> ")
for line in ["select 40 +", "  2 as answer;", "select * from nope;", ".format csv", "select 'csv' as mode;", ".quit"]:
    os.write(fd, (line + "\r").encode())
    screen += read_until("loch> " if line != ".quit" else "\x00", timeout=5 if line == ".quit" else 20)
os.waitpid(pid, 0)
print(screen)
PY
screen=$(cat "$WORK/screen")
expect_contains "continuation prompt" "$screen" "..> "
expect_contains "multi-line statement result" "$screen" "42"
expect_contains "error keeps the shell" "$screen" "Catalog Error"
expect_contains "format switch" "$screen" "mode"
expect_contains "history file" "$(cat "$WORK/.loch_history" 2>/dev/null)" "from\\040nope"
finish
