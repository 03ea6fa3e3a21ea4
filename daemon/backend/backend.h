/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_BACKEND_H
#define LXFD_BACKEND_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/*
 * The container backend: the only part of lxfd that includes liblxc.
 * Containers live in LXCPATH/<name>/ (config, rootfs/), LXCPATH =
 * DIR/containers. All calls are blocking and meant for worker threads;
 * each is safe to call concurrently for different names.
 *
 * config and devices are the *expanded* LXD maps (profiles applied):
 * config {"limits.memory":"256MB", ...} and devices
 * {"eth0":{"type":"nic","nictype":"bridged","parent":"lxfbr0","name":"eth0"},
 *  "root":{"type":"disk","path":"/","pool":"default"}}. Unknown or invalid
 * keys are refused with -LXF_EINVAL before anything is made.
 */

/* Records DIR and reads the id map (root's /etc/subuid and /etc/subgid,
 * else 1000000:1000000000). Returns 0 or -LXF_EIO. */
int backend_init(const char *dir, struct lxf_err *err);

/*
 * Makes container name: unpacks image_path (a unified image tarball,
 * rootfs/ shifted into the container's id map) or, with image_path NULL,
 * an empty rootfs; then writes the liblxc config. On any failure nothing is
 * left behind. -LXF_EEXIST when it already exists.
 */
int backend_create(const char *name, const char *image_path, struct json_object *config,
		   struct json_object *devices, struct lxf_err *err);

/* Rewrites the liblxc config of a stopped or running container (takes
 * effect at next start; limits.* also live where cgroups allow). */
/* Only writes the liblxc config of name, whose directory must exist
 * (-LXF_ENOENT otherwise): the config is derived from the database
 * (journal.c), so this runs at every lxfd start and before each start. */
int backend_render(const char *name, struct json_object *config, struct json_object *devices,
		   struct lxf_err *err);
/* Drops what the backend caches about name (before its files go or move:
 * deletes and renames are journal.c's, over the database and the files). */
void backend_forget(const char *name);

int backend_update(const char *name, struct json_object *config, struct json_object *devices,
		   struct lxf_err *err);

/* Lifecycle. stop: force kills at once; otherwise a clean shutdown that
 * waits up to timeout seconds (-1 = forever), then -LXF_ETIMEDOUT. */
int backend_start(const char *name, struct lxf_err *err);
int backend_stop(const char *name, bool force, int timeout, struct lxf_err *err);
int backend_freeze(const char *name, struct lxf_err *err);
int backend_unfreeze(const char *name, struct lxf_err *err);

/* "Running", "Stopped", "Frozen" (LXD's status strings), or NULL when the
 * container does not exist. Cheap: no cgroup reads. */
const char *backend_status(const char *name);

/*
 * The LXD InstanceState object: status, status_code (103 running,
 * 102 stopped, 110 frozen), pid, processes, cpu{usage}, memory{usage,
 * usage_peak, swap_usage, swap_usage_peak}, disk{}, network{IF:{addresses[
 * {family,address,netmask,scope}], counters{bytes_received, bytes_sent,
 * packets_received, packets_sent}, hwaddr, host_name, mtu, state, type}}.
 * *out is a new reference.
 */
int backend_state(const char *name, struct json_object **out, struct lxf_err *err);

/*
 * backend_metrics.c: the counters of a running container that LXD's
 * /1.0/metrics reports (names and meanings: api_metrics.c). A value < 0 is
 * unknown (not reported). Fixed caps keep one reading allocation-free:
 * CPUs past BACKEND_MX_CPUS, interfaces past BACKEND_MX_NICS and block
 * devices past BACKEND_MX_DISKS are left out.
 */
#define BACKEND_MX_CPUS  256
#define BACKEND_MX_NICS  16
#define BACKEND_MX_DISKS 16
enum backend_mx_mem {
	BMX_ACTIVE_ANON,
	BMX_ACTIVE_FILE,
	BMX_ACTIVE,
	BMX_CACHED,
	BMX_DIRTY,
	BMX_INACTIVE_ANON,
	BMX_INACTIVE_FILE,
	BMX_INACTIVE,
	BMX_MAPPED,
	BMX_MEM_AVAILABLE,
	BMX_MEM_FREE,
	BMX_MEM_TOTAL,
	BMX_RSS,
	BMX_SHMEM,
	BMX_SWAP,
	BMX_UNEVICTABLE,
	BMX_WRITEBACK,
	BMX_MEM_COUNT
};
struct backend_mx_nic {
	char name[16];
	int64_t rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop;
};
struct backend_mx_disk {
	char name[32]; /* DEVNAME, or MAJ:MIN */
	int64_t read_bytes, reads, written_bytes, writes;
};
struct backend_mx {
	int ncpu; /* cpu[i] is CPU i (one entry, CPU 0, on cgroup2: no per-CPU split) */
	struct {
		double user, system; /* seconds */
	} cpu[BACKEND_MX_CPUS];
	int64_t cpus_effective;
	int64_t mem[BMX_MEM_COUNT];
	int64_t oom_kills, procs;
	int nnic, ndisk;
	struct backend_mx_nic nic[BACKEND_MX_NICS];
	struct backend_mx_disk disk[BACKEND_MX_DISKS];
	int64_t fs_size, fs_avail, fs_free; /* of the rootfs */
};

/*
 * Reads running container name's counters into *m: 1 done, 0 when it is
 * not running (*m untouched), or a negative lxf_code with err filled.
 */
int backend_metrics(const char *name, struct backend_mx *m, struct lxf_err *err);

/*
 * The filesystem holding the containers' rootfs: its source device and
 * type (as in /proc/self/mountinfo) into dev and fstype. 0 or -LXF_ENOENT.
 */
int backend_metrics_fs(char *dev, size_t dn, char *fstype, size_t fn);

/*
 * For throwaway list workers: with on, backend_state in the calling
 * thread reads containers' interfaces by moving this thread into their
 * netns and back, not by a thread per container. A thread for which
 * backend_state_thread_broken() turns true could not come back and must
 * end without doing anything else.
 */
void backend_state_inline_netns(bool on);
bool backend_state_thread_broken(void);

/* The path of the container's liblxc log, in a static-per-call buffer of size n. */
int backend_log_path(const char *name, char *buf, size_t n);

/*
 * backend_state.c: appends interface address ifa (AF_INET or AF_INET6) to
 * arr as LXD's {family, address, netmask (prefix length), scope}; also
 * used for host networks' /state. 0 or -LXF_ENOMEM.
 */
struct ifaddrs;
int backend_ifaddr_json(struct json_object *arr, const struct ifaddrs *ifa);

/* backend_exec.c: processes and the console of a running container. */
struct backend_exec_opts {
	const char *const *argv; /* NULL-terminated; argv[0] is looked up in PATH */
	const char *const *env;  /* NULL-terminated "K=V": the whole environment */
	long uid, gid;           /* in the container; -1 = 0 */
	const char *cwd;         /* NULL = "/" */
	int stdin_fd, stdout_fd, stderr_fd;
	bool pty; /* stdin_fd is a pty slave: made the controlling terminal */
};

/*
 * Starts o->argv in running container name (all its namespaces, cgroup,
 * LSM) through lxfd-attach (one server per lxfd, started at the first
 * call); the fds become 0/1/2 of the new process. *cmd_pidfd gets a pidfd
 * on the command (to signal it), *wait_fd an fd that turns readable when
 * the command has ended: backend_exec_status then reads its status. Both
 * O_CLOEXEC, the caller's to close. -LXF_EBUSY when the container is not
 * running.
 */
int backend_exec(const char *name, const struct backend_exec_opts *o, int *cmd_pidfd, int *wait_fd,
		 struct lxf_err *err);

/*
 * Once wait_fd (from backend_exec) is readable: the command's exit status,
 * 128+N when signal N killed it, 127 when the program was not found, 255
 * when its end was not seen (the helper died). Blocks until then.
 */
int backend_exec_status(int wait_fd);

/*
 * A pty of running container name's own devpts (as /dev/pts/N inside),
 * its slave owned by the container's root and tty group: *master and
 * *slave, both O_CLOEXEC, the caller's to close. -LXF_EBUSY when not
 * running, -LXF_EIO when the container has no usable /dev/ptmx.
 */
int backend_pty_open(const char *name, int *master, int *slave, struct lxf_err *err);

/*
 * Attaches to the console (tty 0) of running container name: *fd is the pty
 * master, *hold the liblxc command socket that keeps the console ours. Both
 * O_CLOEXEC; closing both detaches. -LXF_EBUSY when not running or taken.
 */
int backend_console_fd(const char *name, int *fd, int *hold, struct lxf_err *err);

/* The console ring buffer into out (*out malloc'ed, *n bytes), clearing it
 * when clear; an empty log for a stopped container. */
int backend_console_log(const char *name, bool clear, char **out, size_t *n, struct lxf_err *err);

/*
 * A pidfd (O_CLOEXEC, the caller's) on the init of running container name:
 * readable once the container stopped, however it stopped (watch.c).
 * -LXF_EBUSY when not running.
 */
int backend_init_pidfd(const char *name, struct lxf_err *err);

/*
 * Hooks for the stop watcher (watch.c), any may be NULL: started(name)
 * after backend_start started a container, stopping(name) before
 * backend_stop stops one, so that a stop lxfd asked for is not taken for
 * one from inside, and stopped(name) once backend_stop has stopped it.
 * Called on the caller's thread. Set once at startup.
 */
void backend_set_hooks(void (*started)(const char *name), void (*stopping)(const char *name),
		       void (*stopped)(const char *name));

/* backend_files.c: the container's files as seen from the host. */

/*
 * The container's id map: host uid/gid of container id 0 and the map's
 * length (*count 0: privileged, ids are not shifted). -LXF_ENOENT when
 * the container does not exist.
 */
int backend_idmap(const char *name, unsigned long *uid_base, unsigned long *gid_base,
		  unsigned long *count, struct lxf_err *err);

/* An O_PATH|O_DIRECTORY fd (O_CLOEXEC) of the container's root: for a
 * running one /proc/<init>/root (its mounts included), else the rootfs dir. */
int backend_rootfs_open(const char *name, int *fd, struct lxf_err *err);

/* DIR (backend_init's) into buf. 0 or -LXF_EINVAL when it does not fit. */
int backend_dir(char *buf, size_t n);

/*
 * backend_volume.c: custom volumes of the dir pool, DIR/custom/<name>/root,
 * owned by the unprivileged containers' root (see the file's comment).
 * Names: 1-63 of [A-Za-z0-9_.-], starting alphanumeric.
 */
bool backend_volume_name_ok(const char *name);
/* DIR/custom/<name>[/leaf] into buf. 0 or -LXF_EINVAL (bad name, too long). */
int backend_volume_path(const char *name, const char *leaf, char *buf, size_t n,
			struct lxf_err *err);
/* Makes the volume's directories. 0, -LXF_EEXIST or -LXF_EIO; may leave part made. */
int backend_volume_make(const char *name, struct lxf_err *err);
/* Removes the volume's files (missing is fine). 0 or -LXF_EIO. */
int backend_volume_remove(const char *name, struct lxf_err *err);
/* Bytes of disk its files take, -1 when unknown. Walks the tree. */
long long backend_volume_usage(const char *name);
/*
 * Running container name (init pid): mounts the volume disks of devices
 * (its expanded devices) it lacks, unmounts the volume mounts they no
 * longer name. 0 or -LXF_EIO naming the device.
 */
int backend_volume_hotplug(const char *name, pid_t pid, struct json_object *devices,
			   struct lxf_err *err);

/*
 * backend_snapshot.c: copies the tree src to dst (which must not exist)
 * with GNU cp -a --reflink=auto (owners, modes, times, xattrs, hardlinks,
 * device nodes; shared extents where the filesystem can). cp's first
 * line of stderr becomes the message (-LXF_EIO). Waits for cp: call it
 * from worker threads only. dst may be left half-made on failure.
 */
int backend_copy_tree(const char *src, const char *dst, struct lxf_err *err);

/*
 * backend_modes.c: keeps host users out of the containers' files.
 * backend_modes_instance: DIR/containers/<name> becomes mode 0100, owned by
 * its rootfs's owner (host root when it has none yet); call it whenever a
 * rootfs was made or re-owned. backend_modes_fix: the same for every
 * instance, and DIR/images, logs, snapshots, migrate 0700; run at start-up,
 * for what older lxfd made 0711/0755. Both 0 or -LXF_EIO with the path named.
 */
int backend_modes_instance(const char *name, struct lxf_err *err);
int backend_modes_fix(struct lxf_err *err);

/*
 * Left in snapshots/NAME/SNAP while backend_snapshot_create holds a
 * running container frozen: a start that finds it in a half-made
 * snapshot thaws the instance (journal.c).
 */
#define BACKEND_FROZEN_MARK "frozen-by-lxfd"

/*
 * backend_snapshot.c: snapshots in DIR/snapshots/<name>/<snap>/rootfs,
 * copies made with cp -a --reflink=auto (owners, modes, xattrs, hardlinks,
 * devices). A running container is frozen during the copy.
 */
int backend_snapshot_create(const char *name, const char *snap, struct lxf_err *err);
int backend_snapshot_delete(const char *name, const char *snap, struct lxf_err *err);
/* Copies snap's rootfs to containers/NAME/rootfs.restore (stopped
 * container), for the journalled swap of api_snapshots.c. */
int backend_snapshot_restore(const char *name, const char *snap, struct lxf_err *err);
/* Disk use of a snapshot in bytes (blocks, hardlinks once), -1 when unknown. */
long long backend_snapshot_size(const char *name, const char *snap);

#endif
