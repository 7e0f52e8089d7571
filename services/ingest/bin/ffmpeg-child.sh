#!/bin/sh
# Starts ffmpeg as a child that cannot outlive the ingest process: the kernel sends it SIGKILL
# when its parent dies, even by SIGKILL or a crash (prctl PR_SET_PDEATHSIG through util-linux's
# setpriv, which keeps the same pid through exec). fluent-ffmpeg runs this script as "ffmpeg".
# VA_INGEST_FFMPEG_BIN names the real executable (set by ingest from VA_INGEST_FFMPEG_PATH).
ffmpeg_bin=${VA_INGEST_FFMPEG_BIN:-ffmpeg}
if command -v setpriv >/dev/null 2>&1; then
  exec setpriv --pdeathsig KILL -- "$ffmpeg_bin" "$@"
fi
exec "$ffmpeg_bin" "$@"
