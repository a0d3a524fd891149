#!/usr/bin/env bash
# One of two workers that keep two trainings going: each takes the next "ARM SEED" line off
# queue.txt (under a lock) and runs it with a copy of run.sh, so that run.sh can be edited meanwhile.
# Exits after 20 minutes with nothing queued.   nohup bash worker.sh N &   (from the repository root)
R=benchmarks/results/free-gains-2026-12-07
idle=0
while [ $idle -lt 120 ]; do
  job=$(flock $R/queue.lock bash -c "head -n1 $R/queue.txt; sed -i 1d $R/queue.txt" 2>/dev/null)
  if [ -z "$job" ]; then sleep 10; idle=$((idle + 1)); continue; fi
  idle=0
  cp $R/run.sh /tmp/fg-run-$1.sh
  bash /tmp/fg-run-$1.sh $job
done
