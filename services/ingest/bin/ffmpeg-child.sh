#!/bin/sh
# Starts ffmpeg as a child that cannot outlive the ingest process: the kernel sends it SIGKILL
# when its parent dies, even by SIGKILL or a crash (prctl PR_SET_PDEATHSIG through util-linux's
# setpriv, which keeps the same pid through exec). fluent-ffmpeg runs this script as "ffmpeg".
# VA_INGEST_FFMPEG_PATH names the real executable (ingest's config checks it; fluent-ffmpeg spawns
# with ingest's environment). The pid line tells ingest ffmpeg's pid (the same through both execs).
ffmpeg_bin=${VA_INGEST_FFMPEG_PATH:-ffmpeg}
echo "va-ffmpeg-child pid=$$" >&2
if command -v setpriv >/dev/null 2>&1; then
  exec setpriv --pdeathsig KILL -- "$ffmpeg_bin" "$@"
fi
exec "$ffmpeg_bin" "$@"
