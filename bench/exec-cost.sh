#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/exec-cost.sh: where the CPU of one `lxf exec R:C -- true` goes
# (issue #20's fan-out exec runs at the sum of these on 2 cores). Brings up
# one lxfd host with one running busybox container and measures, per exec,
# CPU time (utime+stime from getrusage and /proc/PID/stat, so that a busy
# machine inflates it little):
#   - EXECS `lxf exec h1:h1-c1 -- true` in a row: lxfd's own CPU, its
#     lxfd-attach server's with its reaped children (one fork per command,
#     liblxc's forks, the command), the container's liblxc monitor's (it
#     answers attach's commands) and the clients';
#   - the floor, in lxfd's mount and network namespaces (where liblxc finds
#     the monitor's socket): one process that only calls liblxc's
#     lxc_container_new and attach of /bin/true and waits, EXECS times,
#     with lxfd's attach flags (LXC_ATTACH_DEFAULT: cgroup, LSM,
#     capabilities, personality) and with none of them (namespaces only,
#     the least attach can do); and the same forking first for each call,
#     as the lxfd-attach server does.
# Prints a table; nothing is written to bench/RESULTS.md.
#
#   bench/exec-cost.sh [--execs N] [BUILD_DIR]      N 100. Root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
execs=100
while [ $# -gt 0 ]; do
	case "$1" in
	--execs)
		[ $# -ge 2 ] && [ -n "${2##*[!0-9]*}" ] && [ "$2" -gt 0 ] ||
			{ echo "bench/exec-cost.sh: --execs needs a number" >&2; exit 2; }
		execs=$2 && shift 2
		;;
	-h | --help) sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
	-*) echo "bench/exec-cost.sh: unknown option '$1'" >&2 && exit 2 ;;
	*) export LXF_BUILD=$1 && shift ;;
	esac
done
export LXF_BUILD=${LXF_BUILD:-$top/build}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
command -v cc >/dev/null || fail "a C compiler is needed for the floor program"
B=$LXFE_RUN/bench
mkdir -p "$B"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# The floor and the helper's cost, measured from inside one process:
#   exec-floor LXCPATH NAME N attach [FLAGS]  liblxc attach of /bin/true
#   exec-floor LXCPATH NAME N fork            the same in a forked child
# prints "CPU_MS_PER_CALL MINFLT_PER_CALL" (self and reaped children).
cat >"$B/exec-floor.c" <<'EOF'
#include <errno.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(struct rusage *t)
{
	struct rusage s, c;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	t->ru_utime.tv_sec = s.ru_utime.tv_sec + c.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_stime.tv_sec;
	t->ru_utime.tv_usec = s.ru_utime.tv_usec + c.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_stime.tv_usec;
	t->ru_minflt = s.ru_minflt + c.ru_minflt;
}

static int run_true(void *p)
{
	char *argv[] = {"/bin/true", NULL};

	(void)p;
	execv(argv[0], argv);
	return 127;
}

static int one_attach(const char *path, const char *name, long flags)
{
	lxc_attach_options_t o = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c = lxc_container_new(name, path);
	pid_t pid = -1;
	int st = 0, ret = -1;

	if (!c)
		return -1;
	if (flags >= 0)
		o.attach_flags = (int)flags;
	o.env_policy = LXC_ATTACH_CLEAR_ENV;
	if (c->attach(c, run_true, NULL, &o, &pid) == 0 && pid > 0 && waitpid(pid, &st, 0) == pid)
		ret = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
	lxc_container_put(c);
	return ret;
}

static int one_fork(const char *path, const char *name)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0)
		_exit(one_attach(path, name, -1) < 0 ? 1 : 0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct rusage a, b;
	long n, flags = -1;

	if (argc < 5)
		return 2;
	n = strtol(argv[3], NULL, 10);
	if (argc > 5 && strcmp(argv[4], "attach") == 0)
		flags = strtol(argv[5], NULL, 0);
	usage(&a);
	for (long i = 0; i < n; i++) {
		int r = strcmp(argv[4], "fork") == 0 ? one_fork(argv[1], argv[2])
						     : one_attach(argv[1], argv[2], flags);
		if (r < 0) {
			fprintf(stderr, "exec-floor: call %ld failed\n", i);
			return 1;
		}
	}
	usage(&b);
	printf("%.2f %.0f\n",
	       ((double)(b.ru_utime.tv_sec - a.ru_utime.tv_sec) * 1e3 +
		(double)(b.ru_utime.tv_usec - a.ru_utime.tv_usec) / 1e3) / (double)n,
	       (double)(b.ru_minflt - a.ru_minflt) / (double)n);
	return 0;
}
EOF
cc -O2 -o "$B/exec-floor" "$B/exec-floor.c" -llxc || fail "cannot build the floor program"

LXFE_NET_HOSTS=0 hosts_up 1
hosts_populate 1 1
lxfd_pid=$(cat "$(host_dir 1)/lxfd.pid")
lxcpath=$(host_dir 1)/containers
mon_pid=$(pgrep -f "^\[lxc monitor\] $lxcpath h1-c1\$" | head -1) || fail "no liblxc monitor for h1-c1"
hz=$(getconf CLK_TCK)
# ticks PID: utime+stime and cutime+cstime
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13, $14 + $15 }' "/proc/$1/stat"; }
per() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) * 1000 / float(sys.argv[2]) / float(sys.argv[3])))' "$1" "$hz" "$execs"; }

# --- lxf exec in a row.
assert_exit 0 lxf_run exec h1:h1-c1 -- true
srv_pid=$(pgrep -P "$lxfd_pid" -f -- 'lxfd-attach --server' | head -1) || fail "no lxfd-attach server"
read -r d0 c0 < <(ticks "$lxfd_pid")
read -r s0 k0 < <(ticks "$srv_pid")
read -r m0 _ < <(ticks "$mon_pid")
client_ms=$(python3 - "$execs" "$LXFE_LXF" "$LXF_CONF" "$LXFE_RUN/no-local" <<'EOF'
import os, resource, subprocess, sys
n, lxf, conf, ldir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
env = dict(os.environ, LXF_CONF=conf, LXF_DIR=ldir)
for _ in range(n):
    subprocess.run([lxf, "exec", "h1:h1-c1", "--", "true"], env=env, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f" % ((r.ru_utime + r.ru_stime) * 1000 / n))
EOF
)
read -r d1 c1 < <(ticks "$lxfd_pid")
read -r s1 k1 < <(ticks "$srv_pid")
read -r m1 _ < <(ticks "$mon_pid")
lxfd_self=$(per $((d1 - d0)))
lxfd_kids=$(per $((c1 - c0 + s1 - s0 + k1 - k0)))
mon=$(per $((m1 - m0)))

# --- lxfd-attach alone, and the floor, in lxfd's namespaces.
in_lxfd() { nsenter -t "$lxfd_pid" -m -n "$@"; }
read -r fork_ms fork_pf < <(in_lxfd "$B/exec-floor" "$lxcpath" h1-c1 "$execs" fork)
read -r floor_ms floor_pf < <(in_lxfd "$B/exec-floor" "$lxcpath" h1-c1 "$execs" attach)
read -r bare_ms bare_pf < <(in_lxfd "$B/exec-floor" "$lxcpath" h1-c1 "$execs" attach 0)

row() { printf '| %-78s | %6s |\n' "$@"; }
echo
echo "bench/exec-cost.sh: $execs execs of /bin/true in one busybox container, load at start $LOAD_START"
row "CPU per exec (utime+stime)" "ms"
row "---" "---"
row "lxfd itself (HTTP, operation, 4 websockets, pump)" "$lxfd_self"
row "lxfd-attach (its server, the child per command, liblxc's forks, the command)" "$lxfd_kids"
row "the container's liblxc monitor (answers attach's commands)" "$mon"
row "the client, one \`lxf exec\` process (start-up included)" "$client_ms"
row "floor: liblxc attach of /bin/true in one process, default flags ($floor_pf faults)" "$floor_ms"
row "floor: the same with attach_flags 0, namespaces only ($bare_pf faults)" "$bare_ms"
row "floor, default flags, forking first as lxfd-attach's server ($fork_pf faults)" "$fork_ms"
echo
echo "command: bench/exec-cost.sh --execs $execs"
