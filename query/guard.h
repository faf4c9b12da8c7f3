/*
 * guard.h - the limits that keep morgue-serve for everyone: connections
 * at once (in all, and from one address), requests a second from one
 * address (a token bucket), and how long a client may take to send a
 * request's headers.  HTTP-free: morgue_serve.c tells it when a
 * connection opens, when its request's headers are in, when its answer
 * is sent and when it closes, and answers as it says.
 *
 * A connection is "waiting" while it has not sent all of a request's
 * headers (from its start, or from its previous answer on a kept-alive
 * connection), "busy" from then until its answer is sent.  Waiting
 * connections cost nothing but a slot, so they are the ones given up:
 * one that waits longer than header_timeout is closed (guard_reap), and
 * when every slot is taken a new connection takes the place of the one
 * that has waited longest (guard_admit).  A crowd of slow clients
 * (slowloris) therefore holds no slot for long, and never locks out a
 * client that sends its request at once.  Busy connections are never
 * closed; of max_connections, the last `reserve` can be busy only with
 * /healthz.
 *
 * An address is an IPv4 address, or an IPv6 address's first 64 bits
 * (its network: a single host is commonly given a whole /64).
 *
 * Closing a connection is shutdown(2) of its socket: the connection's
 * own thread then sees the end of its input and closes it as usual.
 * Every function is safe to call from any thread (one mutex).
 */
#ifndef MORGUE_GUARD_H
#define MORGUE_GUARD_H

#include <sys/socket.h>

struct guard_config {
    int max_connections;   /* connections at once, all clients (>= 1) */
    int reserve;           /* of those, the last kept for /healthz */
    int per_client;        /* connections at once from one address (0:
                            * no limit); past twice this many, refused */
    double rate;           /* requests a second from one address (0: no
                            * limit) */
    int burst;             /* requests one address may make at once before
                            * the rate applies (>= 1) */
    double header_timeout; /* seconds a connection may wait to send a
                            * request's headers */
};

/* What becomes of a request whose headers are in (guard_request). */
enum guard_verdict {
    GUARD_OK,
    GUARD_RATE,   /* the address is over its rate: 429 */
    GUARD_CLIENT, /* the address has too many connections: 503 */
    GUARD_FULL,   /* only /healthz may use the last slots: 503 */
};

struct guard;
struct guard_conn; /* a connection's slot */

/* Makes the limits for config c (copied).  slots is how many connections
 * may be open at once, counting those closed but not yet gone (at least
 * max_connections).  Can't fail (like every allocation of morgue's, it
 * aborts when memory runs out). */
struct guard *guard_new(const struct guard_config *c, int slots);

/* Frees l; takes NULL.  Closes no connection. */
void guard_free(struct guard *l);

/* Whether a connection from addr (len bytes) may come in at time now
 * (seconds, monotonic): 0 yes, -1 no (its address has twice per_client
 * connections, or every slot is busy).  When every slot is taken, closes
 * the connection that has waited longest for its headers (one from an
 * address over per_client first) to make room. */
int guard_admit(struct guard *l, const struct sockaddr *addr, socklen_t len,
                double now);

/* A connection came in from addr on socket fd (-1: none to close) at
 * now: its slot, or NULL when there is none (the connection is then not
 * limited). */
struct guard_conn *guard_open(struct guard *l, const struct sockaddr *addr,
                              socklen_t len, int fd, double now);

/* The connection's socket is about to close: frees its slot.  Takes
 * NULL. */
void guard_close(struct guard *l, struct guard_conn *c);

/* The headers of a request on c are in at now (health: the request is
 * for /healthz): c is busy.  Returns the verdict; for anything but
 * GUARD_OK sets *retry_after to the seconds to wait before trying
 * again (>= 1).  A request refused by the rate still counts against
 * nothing.  c may be NULL (not limited): GUARD_OK. */
enum guard_verdict guard_request(struct guard *l, struct guard_conn *c,
                                 int health, double now, int *retry_after);

/* The answer to c's request is sent at now: c waits for the next
 * request's headers.  Takes NULL. */
void guard_done(struct guard *l, struct guard_conn *c, double now);

/* Closes the connections that have waited longer than header_timeout at
 * now; returns how many it closed. */
int guard_reap(struct guard *l, double now);

/* Counts at this moment: open connections (not being closed), of them
 * busy ones. */
void guard_count(struct guard *l, int *open, int *busy);

#endif
