#!/usr/bin/env bash
# Stops the cluster that .ci/slurm-up.sh DIR started: its slurmd,
# slurmctld and munged, by the pids it recorded.
set -uo pipefail
dir=${1:?usage: slurm-down.sh DIR}
stop() {
	[ -f "$1" ] || return 0
	local pid
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
}
stop "$dir/slurmd.bgpid"
stop "$dir/slurmctld.bgpid"
stop "$dir/munge/munged.pid"
exit 0
