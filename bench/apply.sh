#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/apply.sh [PART...]: `lxf apply` (issue #16) against the other ways
# of doing the same work, in one run on the e2e harness's network-namespace
# hosts (tests/e2e/lib.sh: one lxfd each, unix remotes hN):
#
#   apply    3 hosts: `lxf apply -f create.yaml --yes` makes 60 running
#            busybox instances from nothing (remotes: [h1, h2, h3], 20 each);
#   ansible  the same 60 (b-01..b-60, the i-th on host (i-1)%3+1) made by
#            bench/apply-ansible.yml, community.general.lxd_container over
#            each lxfd's unix socket (Debian's ansible), one inventory host
#            per lxfd so that the three hosts are worked on at once;
#   loop     the same 60 by a sequential shell loop of `lxf launch`;
#   plan     10 hosts, 300 stopped busybox instances made by `lxf apply`
#            (30 per host): a no-change `lxf plan -f plan.yaml` against one
#            `lxf list` of the same fleet, with hyperfine.
#
# PART is apply, ansible, loop, create (= those three) or plan; default all.
# The create parts run RUNS rounds (apply, ansible, loop in turn, every
# instance deleted after each, not timed); wall times, medians. Prints a
# summary with the ratios and the command; nothing is written to
# bench/RESULTS.md.
#
#   BENCH_RUNS=N (create rounds, default 1; plan: hyperfine runs, 20)
#   BENCH_PARALLEL=N (lxf apply --parallel N; default: apply's own, 4)
#   LXF_BUILD=DIR (default build/)     root; the machine's load is printed
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export LXF_BUILD=${LXF_BUILD:-$top/build}
export LXF_E2E_TIMEOUT=${LXF_E2E_TIMEOUT:-3600}
RUNS=${BENCH_RUNS:-}
PAR=(${BENCH_PARALLEL:+--parallel "$BENCH_PARALLEL"})
N_CREATE=60
N_PLAN=300
PLAN_HOSTS=10
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"

parts=()
for a in "${@:-all}"; do
	case "$a" in
	apply | ansible | loop | plan) parts+=("$a") ;;
	create) parts+=(apply ansible loop) ;;
	all) parts+=(apply ansible loop plan) ;;
	*) fail "usage: bench/apply.sh [apply|ansible|loop|create|plan|all]... (got '$a')" ;;
	esac
done
want() { case " ${parts[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
if want ansible; then
	command -v ansible-playbook >/dev/null || fail "ansible-playbook missing (Debian's ansible)"
	ansible-doc community.general.lxd_container >/dev/null 2>&1 ||
		fail "community.general.lxd_container missing (Debian's ansible)"
fi
want plan && { command -v hyperfine >/dev/null || fail "hyperfine missing (scripts/deps)"; }

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
ticks_ms() { echo $(($1 * 1000 / $(getconf CLK_TCK))); }
# CPU of this shell's waited-for children (the measured commands), ms.
cpu_client() { ticks_ms "$(awk '{ sub(/.*\) /, ""); print $14 + $15 }' /proc/$$/stat)"; }
# CPU of the lxfd of hosts 1..3 and their waited-for children (lxfd-image, lxc-start), ms.
cpu_lxfd() {
	local n t=0
	for n in 1 2 3; do t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/${LXFD_PID[$n]}/stat"))); done
	ticks_ms "$t"
}
# CPU time the whole machine spent busy (every process, ours or not), ms.
cpu_machine() { ticks_ms "$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)"; }
# clock_start; COMMAND; clock_stop WAY: a line "WAY wall client lxfd busy%" (ms;
# busy%: the machine's CPU time over wall time x CPUs) in $B/times.
clock_start() { C0=("$(date +%s%N)" "$(cpu_client)" "$(cpu_lxfd)" "$(cpu_machine)"); }
clock_stop() {
	LAST_MS=$(ms_since "${C0[0]}")
	echo "$1 $LAST_MS $(($(cpu_client) - C0[1])) $(($(cpu_lxfd) - C0[2]))" \
		"$((($(cpu_machine) - C0[3]) * 100 / (LAST_MS * $(nproc))))" >>"$B/times"
}
# median WAY FIELD (2 wall, 3 client CPU, 4 lxfd CPU, 5 busy%), n/a when not measured
median() {
	local v
	v=$(awk -v w="$1" -v f="$2" '$1 == w { print $f }' "$B/times" 2>/dev/null | med)
	echo "${v:-n/a}"
}
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { python3 -c 'import sys; a, b = sys.argv[1:]; print("n/a" if "n/a" in (a, b) else "%.1fx" % (float(a) / float(b)))' "$1" "$2"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
name() { printf 'b-%02d' "$1"; }

# hosts_add FIRST LAST: hosts FIRST..LAST beside those already up (as
# hosts_up does for 1..N), remotes hN.
hosts_add() {
	local i
	for ((i = $1; i <= $2; i++)); do
		_lxfe_host_net "$i"
		LXFE_HOSTS+=("$i")
		_lxfe_lxfd_start "$i"
	done
	for ((i = $1; i <= $2; i++)); do
		_lxfe_lxfd_wait "$i"
		lxf_run remote add "h$i" "unix://$(host_socket "$i")" >/dev/null || fail "lxf remote add h$i failed"
	done
}

# running_per_host N...: "20 20 20", the RUNNING instances of each host.
running_per_host() {
	local n out=()
	for n in "$@"; do
		out+=("$(lxf_run list "h$n:" -f csv -c s | grep -c '^RUNNING$' || true)")
	done
	echo "${out[*]}"
}

# wipe N...: deletes every instance of hosts N..., one `lxf delete` per host, at once.
wipe() {
	local n names pids=()
	for n in "$@"; do
		mapfile -t names < <(lxf_run list "h$n:" -f csv -c n)
		[ "${#names[@]}" -gt 0 ] || continue
		lxf_run delete -f -q "${names[@]/#/h$n:}" &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n" || fail "wipe: lxf delete failed"; done
	[ "$(running_per_host "$@")" = "$(printf '0 %.0s' "$@" | sed 's/ $//')" ] || fail "wipe left instances"
}

# check_made WHAT: the 60 instances run, 20 per host, or the figure is void.
check_made() {
	local got
	got=$(running_per_host 1 2 3)
	[ "$got" = "20 20 20" ] || fail "$1: RUNNING per host h1 h2 h3 is '$got', not '20 20 20'"
}

declare -A T TC TD TB CMD
B=$LXFE_RUN/bench
mkdir -p "$B"
LOAD_START=$(load)
lxf() { lxf_run "$@"; }

if want apply || want ansible || want loop; then
	RUNS_C=${RUNS:-1}
	hosts_up 3
	hosts_import_image 1 2 3
	declare -A LXFD_PID
	for n in 1 2 3; do LXFD_PID[$n]=$(host_lxfd_pid "$n"); done
	cat >"$B/create.yaml" <<EOF
version: 1
name: bench-create
defaults: {image: busybox, state: running}
instances:
  - {name: "b-{01..$N_CREATE}", remotes: [h1, h2, h3]}
EOF
	{
		echo "lxf_hosts:"
		echo "  vars: {ansible_connection: local, ansible_python_interpreter: /usr/bin/python3}"
		echo "  hosts:"
		for n in 1 2 3; do
			printf '    h%s:\n      lxd_url: "unix:%s"\n      bench_names:\n' "$n" "$(host_socket "$n")"
			for ((i = n; i <= N_CREATE; i += 3)); do echo "        - $(name "$i")"; done
		done
	} >"$B/inventory.yml"
	: >"$B/ansible.cfg"
	: >"$B/times"
	CMD[apply]="lxf apply -f create.yaml --yes${PAR[*]:+ ${PAR[*]}} --format json"
	CMD[ansible]="ansible-playbook -i inventory.yml bench/apply-ansible.yml"
	CMD[loop]="lxf launch busybox hN:b-NN, 60 times in a row (h1, h2, h3 in turn)"
	for ((r = 1; r <= RUNS_C; r++)); do
		nt=$(wc -l <"$B/times")
		if want apply; then
			clock_start
			lxf apply -f "$B/create.yaml" --yes "${PAR[@]}" --format json >"$B/apply.json" 2>"$B/apply.err" ||
				fail "lxf apply failed: $(tail -n 20 "$B/apply.err")"
			clock_stop apply
			# Its own times per action: do they overlap as they should?
			ACTIONS=$(python3 -c 'import json, statistics, sys
r = json.load(open(sys.argv[1])); s = [a["seconds"] for a in r]
print("%d of %d done, %.2f s median per action, %.1f in flight on average (their sum / the wall time)"
      % (sum(a["result"] == "done" for a in r), len(r), statistics.median(s), sum(s) * 1000 / float(sys.argv[2])))' \
				"$B/apply.json" "$LAST_MS")
			check_made "lxf apply"
			wipe 1 2 3
		fi
		if want ansible; then
			clock_start
			ANSIBLE_CONFIG=$B/ansible.cfg ANSIBLE_LOCAL_TEMP=$B/ansible-tmp ANSIBLE_NOCOLOR=1 \
				ansible-playbook -i "$B/inventory.yml" "$top/bench/apply-ansible.yml" >"$B/ansible.out" 2>&1 ||
				fail "ansible-playbook failed: $(tail -n 20 "$B/ansible.out")"
			clock_stop ansible
			RECAP=$(sed -n '/^PLAY RECAP/,$p' "$B/ansible.out" | sed -n 's/^\(h[0-9]*\) *: *\(ok=[0-9]* *changed=[0-9]*\).*/\1 \2/p' | tr -s ' ' | paste -sd, -)
			check_made "ansible-playbook"
			wipe 1 2 3
		fi
		if want loop; then
			clock_start
			for ((i = 1; i <= N_CREATE; i++)); do
				lxf launch busybox "h$(((i - 1) % 3 + 1)):$(name "$i")" >/dev/null || fail "lxf launch $(name "$i") failed"
			done
			clock_stop loop
			check_made "lxf launch loop"
			wipe 1 2 3
		fi
		lxfe_log "create round $r (wall ms, client and lxfd CPU ms, machine busy %): $(tail -n +$((nt + 1)) "$B/times" | paste -sd, -) (load $(load))"
	done
	for w in apply ansible loop; do
		T[$w]=$(median "$w" 2) TC[$w]=$(median "$w" 3) TD[$w]=$(median "$w" 4) TB[$w]=$(median "$w" 5)
	done
	LOAD_CREATE=$(load)
fi

if want plan; then
	RUNS_P=${RUNS:-20}
	if [ "${#LXFE_HOSTS[@]}" -eq 0 ]; then
		hosts_up "$PLAN_HOSTS"
		hosts_import_image
	else
		up=${#LXFE_HOSTS[@]}
		wipe "${LXFE_HOSTS[@]}"
		hosts_add $((up + 1)) "$PLAN_HOSTS"
		hosts_import_image $(seq $((up + 1)) "$PLAN_HOSTS")
	fi
	{
		echo "version: 1"
		echo "name: bench-plan"
		echo "defaults: {image: busybox, state: stopped}"
		echo "instances:"
		printf '  - {name: "p-{001..%s}", remotes: [%s]}\n' "$N_PLAN" "$(seq -s, -f 'h%g' 1 "$PLAN_HOSTS" | sed 's/,/, /g')"
	} >"$B/plan.yaml"
	t0=$(date +%s%N)
	lxf apply -f "$B/plan.yaml" --yes "${PAR[@]}" >"$B/apply-plan.out" 2>&1 ||
		fail "lxf apply of $N_PLAN instances failed: $(tail -n 20 "$B/apply-plan.out")"
	T[apply300]=$(ms_since "$t0")
	rows=$(lxf list -f csv -c n | wc -l)
	[ "$rows" = "$N_PLAN" ] || fail "lxf list shows $rows instances, not $N_PLAN"
	assert_exit 0 lxf plan -f "$B/plan.yaml"
	PLAN_LAST=$(printf '%s\n' "$LXFE_OUT" | tail -n 1)
	env=(env "LXF_CONF=$LXF_CONF" "LXF_DIR=$LXFE_RUN/no-local")
	hyperfine -N --warmup 3 --runs "$RUNS_P" --export-json "$B/plan.json" \
		"${env[*]} $LXFE_LXF plan -f $B/plan.yaml" "${env[*]} $LXFE_LXF list" \
		"${env[*]} $LXFE_LXF apply -f $B/plan.yaml" >"$B/hyperfine.out" 2>&1 ||
		fail "hyperfine failed: $(tail -n 20 "$B/hyperfine.out")"
	read -r 'T[plan]' 'T[list]' 'T[reapply]' < <(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(" ".join("%.1f" % (x["median"] * 1000) for x in r))' "$B/plan.json")
	CMD[plan]="lxf plan -f plan.yaml"
	CMD[list]="lxf list"
	LOAD_PLAN=$(load)
fi

cat <<EOF

bench/apply.sh $*  ($(date -u '+%Y-%m-%d %H:%M UTC'), lxf $("$LXFE_LXF" --version), $(nproc) CPUs,
load average at start $LOAD_START${LOAD_CREATE:+, after create $LOAD_CREATE}${LOAD_PLAN:+, after plan $LOAD_PLAN})
Command: LXF_BUILD=$LXF_BUILD${RUNS:+ BENCH_RUNS=$RUNS}${BENCH_PARALLEL:+ BENCH_PARALLEL=$BENCH_PARALLEL} bench/apply.sh ${*:-all}
EOF
if [ -n "${RUNS_C:-}" ]; then
	cat <<EOF

$N_CREATE running busybox instances from nothing, 3 lxfd hosts, 20 each (wall time, median of $RUNS_C):
CPU, ms: the client's (the command and its children) and the 3 lxfd's with the children they
wait for (lxfd-image unpacking, lxc-start; not the containers' monitors and inits); machine busy:
the CPU time of every process on the machine (ours and anyone else's) over wall time x $(nproc) CPUs.
| way | command | wall ms | client CPU | lxfd CPU | machine busy % |
|---|---|---|---|---|---|
| lxf apply | \`${CMD[apply]}\` | ${T[apply]} | ${TC[apply]} | ${TD[apply]} | ${TB[apply]} |
| Ansible | \`${CMD[ansible]}\` | ${T[ansible]} | ${TC[ansible]} | ${TD[ansible]} | ${TB[ansible]} |
| shell loop | \`${CMD[loop]}\` | ${T[loop]} | ${TC[loop]} | ${TD[loop]} | ${TB[loop]} |
| Ansible / apply | | $(ratio "${T[ansible]}" "${T[apply]}") (target >= 10x) | | | |
| loop / apply | | $(ratio "${T[loop]}" "${T[apply]}") (target >= 3x) | | | |
lxf apply's results (last round): ${ACTIONS:-n/a}
Ansible's recap (last round): ${RECAP:-n/a}
EOF
fi
if [ -n "${RUNS_P:-}" ]; then
	cat <<EOF

$N_PLAN stopped busybox instances on $PLAN_HOSTS lxfd hosts (made by lxf apply in ${T[apply300]} ms);
plan says: $PLAN_LAST
hyperfine -N, $RUNS_P runs after 3 warm-ups, medians:
| command | ms |
|---|---|
| \`${CMD[plan]}\` (no change) | ${T[plan]} |
| \`${CMD[list]}\` (same $PLAN_HOSTS remotes) | ${T[list]} |
| \`lxf apply -f plan.yaml\` (no change: reads only) | ${T[reapply]} |
| plan / list | $(ratio "${T[plan]}" "${T[list]}") (target within 1.5x) |
EOF
fi
