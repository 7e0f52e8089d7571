# Sourced by setup.sh, elasticsearch.sh and make-int8.sh: runs one install step with its output in a log file
# and one line of progress on the terminal instead of minutes of silence or pages of output.
#   install_step LABEL LOG COMMAND...
# On a terminal the line is rewritten every second (elapsed time and the log's last line); elsewhere
# (CI) a line every 30 s. On failure the log's last lines go to stderr and the command's status is
# returned.
install_step() {
  local label=$1 log=$2
  shift 2
  mkdir -p "$(dirname "$log")"
  local started=$SECONDS tty=0 last_note=$SECONDS pid
  [ -t 1 ] && tty=1
  printf 'setup: %s ...' "$label"
  [ $tty = 1 ] || printf '\n'
  "$@" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    local latest
    latest=$(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-70)
    if [ $tty = 1 ]; then
      printf '\r\033[Ksetup: %s ... %ds %s' "$label" $((SECONDS - started)) "$latest"
    elif [ $((SECONDS - last_note)) -ge 30 ]; then
      printf 'setup: %s ... %ds %s\n' "$label" $((SECONDS - started)) "$latest"
      last_note=$SECONDS
    fi
  done
  local status=0
  wait "$pid" || status=$?
  [ $tty = 1 ] && printf '\r\033[K'
  if [ $status -ne 0 ]; then
    printf 'setup: %s failed (exit %d); last lines of %s:\n' "$label" "$status" "$log" >&2
    tail -n 30 "$log" >&2
    return $status
  fi
  printf 'setup: %s done (%ds)\n' "$label" $((SECONDS - started))
}
