# Starting and stopping `loch serve` in tests (source after assert.sh).
#
# start_serve DATA_DIR [extra flags...]: starts the broker and the schema
# registry on free ports and sets SERVE_PID, SERVE_LOG, KAFKA (host:port)
# REGISTRY (http://host:port, empty with --registry-enabled false) and HTTP
# (the API of pipelines and /metrics, http://host:port) once they listen.
SERVE_STARTS=0
start_serve() {
  local data=$1
  shift
  mkdir -p "$data"
  SERVE_STARTS=$((SERVE_STARTS + 1))
  SERVE_LOG="$WORK/serve-$SERVE_STARTS.log"
  "$LOCH" serve --data-dir "$data" --kafka-host 127.0.0.1 --kafka-port 0 --advertised-host 127.0.0.1 \
    --registry-host 127.0.0.1 --registry-port 0 --http-host 127.0.0.1 --http-port 0 --log-level info "$@" >"$SERVE_LOG" 2>&1 &
  SERVE_PID=$!
  local port=""
  for _ in $(seq 1 400); do
    port=$(grep -o 'kafka: listening on 127.0.0.1:[0-9]*' "$SERVE_LOG" 2>/dev/null | cut -d: -f3 || true)
    [ -n "$port" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "loch serve did not start:" >&2
    cat "$SERVE_LOG" >&2
    exit 1
  fi
  KAFKA="127.0.0.1:$port"
  # The registry logs its port before the broker's line.
  port=$(grep -o 'registry: listening on 127.0.0.1:[0-9]*' "$SERVE_LOG" | cut -d: -f3 || true)
  REGISTRY=${port:+http://127.0.0.1:$port}
  port=$(grep -o 'http: listening on 127.0.0.1:[0-9]*' "$SERVE_LOG" | cut -d: -f3 || true)
  HTTP=${port:+http://127.0.0.1:$port}
}

# stop_serve [SIGNAL]: stops the broker (TERM by default) and waits for it;
# sets SERVE_EXIT to its exit code.
stop_serve() {
  local signal=${1:-TERM}
  kill -"$signal" "$SERVE_PID" 2>/dev/null || true
  set +e
  wait "$SERVE_PID"
  SERVE_EXIT=$?
  set -e
}

# Stops a broker left running when the test script ends.
trap 'kill -9 "${SERVE_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
