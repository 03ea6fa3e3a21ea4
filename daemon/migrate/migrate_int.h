/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_MIGRATE_INT_H
#define LXFD_MIGRATE_INT_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/*
 * Private to the migration files (migrate_*.c): LXD's migration protocol
 * between an operation's worker thread and the websockets ws.c serves.
 *
 * A migration has two channels, "control" (protobuf records, one per
 * binary message) and "fs" (rsync streams, each ended both ways by an
 * empty text message: LXD's barrier). ws.c calls the channel on its loop
 * thread; the migration's worker reads and writes through mig_chan_*,
 * sleeping on the migration's eventfd, which every channel event pokes.
 */

#define MIG_WS_WAIT   10                 /* seconds the peer has to connect (LXD's) */
#define MIG_MSG_WAIT  60                 /* seconds for a header or verdict */
#define MIG_IDLE_SECS 300                /* an rsync with no byte either way for this long fails */
#define MIG_IN_CAP    (4u * 1024 * 1024) /* incoming bytes queued before reading pauses */

struct mig_link {
	int wake;              /* eventfd, O_CLOEXEC | O_NONBLOCK */
	atomic_bool cancelled; /* DELETE on the op */
	atomic_int offered;    /* 1 once the channels are offered, -1 when that failed */
};

int mig_link_init(struct mig_link *l, struct lxf_err *err);
void mig_link_fini(struct mig_link *l);
void mig_link_poke(struct mig_link *l);
/* Sleeps until poked or ms pass (ms < 0: forever); drains the eventfd. */
void mig_link_sleep(struct mig_link *l, int ms);

struct mig_chan;

/* A channel (refcounted; the caller has one reference). whole: binary
 * messages are records (control), else a byte stream (fs). */
struct mig_chan *mig_chan_new(struct mig_link *l, const char *name, bool whole);
void mig_chan_unref(struct mig_chan *ch);

/* Offers ch as websocket op_id?secret=secret. 0 or -LXF_ENOMEM. */
int mig_chan_offer(struct mig_chan *ch, const char *op_id, const char *secret);
/* Withdraws an offer nobody took (idempotent). */
void mig_chan_withdraw(struct mig_chan *ch);
/* The owner's end (before mig_link_fini): withdraws, detaches the link
 * (a websocket still open wakes no one any more), drops the reference. */
void mig_chan_release(struct mig_chan *ch);

/*
 * The handler's half of starting a websocket op whose arg holds l and the
 * channels: the op's id exists only once the op runs, so its body first
 * waits (mig_wait_offered) for the handler to offer the channels; the arg
 * lives at least until then. Returns 0, or fails the offer (and the op).
 */
struct op;
int mig_offer(struct op *op, struct mig_link *l, struct mig_chan *ctl, const char *ctl_secret,
	      struct mig_chan *fs, const char *fs_secret, struct lxf_err *err);
int mig_wait_offered(struct mig_link *l, struct lxf_err *err);

/* Answers req with op's async envelope (reply_async: the op object and its URL). Borrows op. */
struct http_req;
int mig_async(struct http_req *req, struct op *op, struct lxf_err *err);

/*
 * Dials the peer's channel instead (a pull target, a pushing source):
 * wss://HOST:PORT/1.0/operations/ID/websocket?secret=SECRET, built from
 * peer_op ("https://HOST:PORT/1.0/operations/ID"), the peer's certificate
 * (PEM) pinned. 0, or -LXF_EINVAL / -LXF_ENOMEM with err filled.
 */
int mig_chan_dial(struct mig_chan *ch, const char *peer_op, const char *secret, const char *cert,
		  struct lxf_err *err);
/* Checks a peer's operation URL and secrets before anything is made. */
int mig_check_peer(const char *peer_op, struct json_object *secrets, const char *cert,
		   struct lxf_err *err);

/* Waits until every channel of chs connected: 0, -LXF_ETIMEDOUT after
 * secs, -LXF_ECANCELED, -LXF_EIO when one closed first. */
int mig_chan_wait_open(struct mig_link *l, struct mig_chan **chs, int n, int secs,
		       struct lxf_err *err);

/* The next whole message (binary) into out (reset first), waiting up to
 * secs. -LXF_EIO when the channel closed, -LXF_EINVAL for a text message. */
int mig_chan_recv(struct mig_chan *ch, struct lxf_buf *out, int secs, struct lxf_err *err);
/* As mig_chan_recv without waiting: -LXF_ENOENT when nothing is queued. */
int mig_chan_try_recv(struct mig_chan *ch, struct lxf_buf *out);

#define MIG_READ_BARRIER (-2)
#define MIG_READ_CLOSED  (-1)
/* Stream read: bytes copied (> 0), 0 when nothing is queued, or
 * MIG_READ_BARRIER / MIG_READ_CLOSED. */
ssize_t mig_chan_read(struct mig_chan *ch, void *buf, size_t n);

/* Sends one message, waiting for room (blocks the worker, never the
 * loop). -LXF_EIO once the channel is closed, -LXF_ECANCELED. */
int mig_chan_send(struct mig_chan *ch, bool binary, const void *p, size_t n, struct lxf_err *err);
/* True when n more bytes can be queued now. */
bool mig_chan_has_room(struct mig_chan *ch, size_t n);
bool mig_chan_closed(struct mig_chan *ch);
/* Closes the websocket after what is queued (normal close). */
void mig_chan_close(struct mig_chan *ch);
/* Drops the connection at once. */
void mig_chan_abort(struct mig_chan *ch);

/* Sends a MigrationControl (best effort: errors are only logged). */
void mig_send_control(struct mig_chan *ctl, bool success, const char *message);

/* Progress of the fs transfer into the op's metadata as LXD's
 * "fs_progress": "NAME: 12.34MB (1.20MB/s)", at most once a second. */
struct op;
struct mig_progress {
	struct op *op;               /* borrowed */
	struct json_object *base_md; /* the op's metadata without progress (borrowed) */
	char what[330];              /* NAME or NAME/SNAP */
	uint64_t bytes;
	int64_t start_ms, last_ms;
};
void mig_progress_add(struct mig_progress *p, size_t n);

/* One rsync over the fs channel (migrate_rsync.c). */
struct mig_rsync {
	bool send;        /* sender (source side), else receiver into path */
	const char *path; /* sender: the directory sent (its contents); receiver: where they land */
	bool xattrs, del, compress;
	bool only_rootfs; /* sender: only path/rootfs travels */
};
int mig_rsync_run(struct mig_link *l, struct mig_chan *fs, const struct mig_rsync *r,
		  struct mig_progress *prog, struct lxf_err *err);

/*
 * Owners of received files (migrate_target.c): the source's on-disk id
 * map (its header's) to ours. mig_same_map: true when the files already
 * carry our owners; mig_shift_tree re-owns the tree at path (one walk at
 * a time). 0 or -LXF_EIO naming the path.
 */
struct migp_header;
struct idshift {
	const struct migp_header *src;
	unsigned long base[2], count; /* ours: [0] uid, [1] gid */
};
bool mig_same_map(const struct idshift *s);
int mig_shift_tree(const struct idshift *s, const char *path, struct lxf_err *err);

/* Monotonic milliseconds. */
int64_t mig_now_ms(void);

#endif
