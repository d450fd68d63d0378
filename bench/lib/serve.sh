# Sourced by the benches: start_bench_serve LOCH starts `loch serve` on a
# scratch data directory (./data) with free ports, waits for its Kafka
# listener and sets serve_pid and kafka (127.0.0.1:PORT). The caller's trap
# kills serve_pid.
start_bench_serve() {
  "$1" serve --data-dir data --kafka-host 127.0.0.1 --kafka-port 0 --advertised-host 127.0.0.1 \
    --registry-host 127.0.0.1 --registry-port 0 --http-port 0 >serve.log 2>&1 &
  serve_pid=$!
  local port=""
  for _ in $(seq 1 400); do
    port=$(grep -o 'kafka: listening on 127.0.0.1:[0-9]*' serve.log 2>/dev/null | cut -d: -f3 || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat serve.log >&2; exit 1; }
  kafka=127.0.0.1:$port
}
