#!/usr/bin/env bash
# Starts a single-node Slurm cluster on 127.0.0.1 for the tests: munged,
# slurmctld and slurmd as root, with a generated slurm.conf, every file in
# DIR. Waits until sinfo shows the node idle, then prints the line to
# source for the clients (SLURM_CONF). .ci/slurm-down.sh DIR stops it.
# cred_expire=5: a requeued job waits that long (default 120 s) before it
# is eligible again.
#
#   .ci/slurm-up.sh DIR [CPUS]     (ports: SLURM_TEST_PORT, default 17817, and the next one)
set -euo pipefail
dir=${1:?usage: slurm-up.sh DIR [CPUS]}
cpus=${2:-$(nproc)}
port=${SLURM_TEST_PORT:-17817}
for p in slurmctld slurmd munged mungekey sinfo; do
	command -v $p >/dev/null || [ -x /usr/sbin/$p ] || { echo "slurm-up: $p not found: apt-get install -y slurmctld slurmd slurm-client munge" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "slurm-up: needs root (slurmd runs jobs as their users)" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
host=$(hostname -s)
mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

# munge: a key of its own and a socket in DIR, so that nothing of the
# machine's own munge (if any) is touched.
rm -f "$dir/munge/munge.key"
mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 || /usr/sbin/mungekey --create --keyfile="$dir/munge/munge.key"
chmod 600 "$dir/munge/munge.key"
PATH=$PATH:/usr/sbin munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
	--pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munge.seed"

cat >"$dir/slurm.conf" <<CONF
ClusterName=fisherflowtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=5
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=300
KillWait=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES State=UP MaxTime=INFINITE
CONF
export SLURM_CONF=$dir/slurm.conf
# Foreground daemons, backgrounded here; their pids are what slurm-down stops.
nohup /usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.bgpid"
nohup /usr/sbin/slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.bgpid"
for i in $(seq 1 120); do
	state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
	if [ "$state" = idle ]; then
		echo "export SLURM_CONF=$SLURM_CONF"
		exit 0
	fi
	sleep 0.5
done
echo "slurm-up: the node is not idle after 60 s (state '${state:-}'); logs in $dir:" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" "$dir/slurmctld.out" "$dir/slurmd.out" >&2 || true
exit 1
