#!/bin/sh
# Container entrypoint: prepares STUDIO_DIR, optionally queues catalog
# downloads (STUDIO_PRELOAD) and starts a model once it is on disk
# (STUDIO_AUTOSTART_MODEL), then execs the gateway so it receives signals
# directly (tini, PID 1, forwards them).
#
# Environment (besides the gateway's own settings, see `studio-gateway --help`):
#   STUDIO_GATEWAY_BIN       gateway binary (default /opt/studio/bin/studio-gateway)
#   STUDIO_PRELOAD           comma-separated catalog file names to download at start
#   STUDIO_AUTOSTART_MODEL   model file to start as the admin llama-server once present
#   STUDIO_AUTOSTART_TIMEOUT seconds to wait for that model to be on disk (default 21600)
set -eu

: "${STUDIO_DIR:=/workspace/studio}"
: "${STUDIO_PORT:=8000}"
: "${STUDIO_GATEWAY_BIN:=/opt/studio/bin/studio-gateway}"
: "${STUDIO_PRELOAD:=}"
: "${STUDIO_AUTOSTART_MODEL:=}"
: "${STUDIO_AUTOSTART_TIMEOUT:=21600}"
export STUDIO_DIR STUDIO_PORT

log() { printf '%s entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

prepare_studio_dir() {
  umask 077
  if ! mkdir -p "$STUDIO_DIR/secrets" "$STUDIO_DIR/logs" "$STUDIO_DIR/run" "$STUDIO_DIR/llm"; then
    log "cannot create $STUDIO_DIR: mount a writable volume there"
    exit 1
  fi
  if [ ! -w "$STUDIO_DIR" ]; then
    log "$STUDIO_DIR is not writable by uid $(id -u): fix the volume's ownership"
    exit 1
  fi
  chmod 700 "$STUDIO_DIR/secrets"
  if [ -z "${STUDIO_API_KEY:-}" ] && [ ! -s "$STUDIO_DIR/secrets/api-key" ]; then
    log "first run: no STUDIO_API_KEY set; the gateway generates a management key into $STUDIO_DIR/secrets/api-key"
  fi
}

# The management key for our own API calls (never printed).
management_key() {
  if [ -n "${STUDIO_API_KEY:-}" ]; then
    printf '%s' "$STUDIO_API_KEY" | cut -d, -f1
  elif [ -s "$STUDIO_DIR/secrets/api-key" ]; then
    tr -d ' \n' <"$STUDIO_DIR/secrets/api-key"
  fi
}

api() {  # api METHOD PATH [JSON] -> prints the HTTP status
  method=$1
  path=$2
  body=${3:-}
  key=$(management_key)
  set -- -sS -o /dev/null -w '%{http_code}' -X "$method" -H "X-API-Key: $key"
  if [ -n "$body" ]; then
    set -- "$@" -H 'Content-Type: application/json' -d "$body"
  fi
  curl "$@" "http://127.0.0.1:$STUDIO_PORT$path" 2>/dev/null || echo 000
}

wait_for_gateway() {
  tries=0
  while [ "$tries" -lt 300 ]; do
    if curl -fsS -o /dev/null "http://127.0.0.1:$STUDIO_PORT/api/v2/health" 2>/dev/null; then
      return 0
    fi
    tries=$((tries + 1))
    sleep 0.2
  done
  log "gateway did not become healthy on port $STUDIO_PORT"
  return 1
}

# Runs in the background after the gateway is up: queue downloads, then start
# the autostart model as soon as the start endpoint stops answering 404
# (file not on disk yet).
preload_and_autostart() {
  wait_for_gateway || return 0
  old_ifs=$IFS
  IFS=,
  for file in $STUDIO_PRELOAD; do
    IFS=$old_ifs
    [ -n "$file" ] || continue
    log "queue download $file: HTTP $(api POST "/api/admin/llm/models/download/$file")"
  done
  IFS=$old_ifs
  [ -n "$STUDIO_AUTOSTART_MODEL" ] || return 0
  deadline=$(( $(date +%s) + STUDIO_AUTOSTART_TIMEOUT ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    status=$(api POST /api/admin/llm/start "{\"model\": \"$STUDIO_AUTOSTART_MODEL\"}")
    case "$status" in
      200) log "started $STUDIO_AUTOSTART_MODEL"; return 0 ;;
      404) sleep 5 ;;  # not downloaded yet
      *) log "start of $STUDIO_AUTOSTART_MODEL failed: HTTP $status"; return 0 ;;
    esac
  done
  log "gave up waiting for $STUDIO_AUTOSTART_MODEL after ${STUDIO_AUTOSTART_TIMEOUT}s"
}

prepare_studio_dir
if [ -n "$STUDIO_PRELOAD$STUDIO_AUTOSTART_MODEL" ]; then
  # Double fork: the helper is re-parented to PID 1 (tini), which reaps it.
  (preload_and_autostart &)
fi
exec "$STUDIO_GATEWAY_BIN" "$@"
