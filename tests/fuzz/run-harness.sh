#!/bin/sh
# run-harness.sh HARNESS CORPUS WORK SECONDS
# Replays the seed corpus CORPUS, then fuzzes for SECONDS. New inputs go
# to WORK/new (emptied first, so that each run starts from the seeds) and
# a crashing input to WORK/crash-*; the seeds are never written.
set -eu
harness=$1 corpus=$2 work=$3 seconds=$4
rm -rf "$work/new"
mkdir -p "$work/new"
exec "$harness" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -error_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/" "$work/new" "$corpus"
