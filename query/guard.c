/*
 * guard.c - connection and request-rate limits per client address for
 * morgue-serve (guard.h).  A fixed array of connection slots scanned
 * under one mutex (a scan of a thousand slots costs microseconds, next to
 * a thread started per connection), and a fixed hash table of token
 * buckets, one per address seen lately.
 */
#include "guard.h"
#include "util.h"

#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A client address: the family and the address bytes, no port. */
struct addr_key {
    int family; /* 0: unknown (never limited per address) */
    unsigned char a[16];
};

struct guard_conn {
    struct addr_key key;
    double since; /* when it began to wait for headers */
    int fd;
    int used;    /* the slot holds a connection */
    int closing; /* shut down by us: counts no more */
    int busy;    /* its request's headers are in */
    int over;    /* it came in past its address's per_client */
};

/* Buckets: BUCKETS entries, an address probed at PROBE places from its
 * hash; when all are taken by others, the one used least lately is
 * given to it (it starts full, as a new address does). */
#define BUCKETS 4096
#define PROBE 8

struct bucket {
    struct addr_key key;
    double tokens, last;
    int used;
};

struct guard {
    struct guard_config c;
    pthread_mutex_t mu;
    int nslots;
    struct guard_conn *slots;
    struct bucket *buckets;
};

static struct addr_key key_of(const struct sockaddr *a, socklen_t len)
{
    struct addr_key k;
    memset(&k, 0, sizeof k);
    if (a && a->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        k.family = AF_INET;
        memcpy(k.a, &((const struct sockaddr_in *)(const void *)a)->sin_addr,
               4);
    } else if (a && a->sa_family == AF_INET6 &&
               len >= sizeof(struct sockaddr_in6)) {
        /* An IPv6 client is its /64: one host or home network is given
         * a whole /64, and could otherwise be 2^64 clients.  An IPv4
         * address mapped to IPv6 is kept whole. */
        const struct in6_addr *v6 =
            &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr;
        k.family = AF_INET6;
        memcpy(k.a, v6, IN6_IS_ADDR_V4MAPPED(v6) ? 16 : 8);
    }
    return k;
}

static int same_key(const struct addr_key *x, const struct addr_key *y)
{
    return x->family != 0 && x->family == y->family &&
           memcmp(x->a, y->a, sizeof x->a) == 0;
}

static unsigned hash_key(const struct addr_key *k)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < sizeof k->a; i++)
        h = (h ^ k->a[i]) * 16777619u;
    return h ^ (unsigned)k->family;
}

struct guard *guard_new(const struct guard_config *c, int slots)
{
    struct guard *l = mg_calloc(1, sizeof *l);
    l->c = *c;
    if (l->c.max_connections < 1)
        l->c.max_connections = 1;
    if (l->c.burst < 1)
        l->c.burst = 1;
    l->nslots = slots < l->c.max_connections ? l->c.max_connections : slots;
    l->slots = mg_calloc((size_t)l->nslots, sizeof *l->slots);
    l->buckets = mg_calloc(BUCKETS, sizeof *l->buckets);
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void guard_free(struct guard *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->slots);
    free(l->buckets);
    free(l);
}

static int live(const struct guard_conn *s)
{
    return s->used && !s->closing;
}

/* Shuts the connection's socket down; its thread closes it. */
static void close_conn(struct guard_conn *s)
{
    s->closing = 1;
    if (s->fd >= 0)
        shutdown(s->fd, SHUT_RDWR);
}

/* Connections open from key, and in all (live ones). */
static int count_key(const struct guard *l, const struct addr_key *k,
                     int *total)
{
    int n = 0, all = 0;
    for (int i = 0; i < l->nslots; i++)
        if (live(&l->slots[i])) {
            all++;
            n += same_key(&l->slots[i].key, k);
        }
    *total = all;
    return n;
}

int guard_admit(struct guard *l, const struct sockaddr *addr, socklen_t len,
                double now)
{
    (void)now;
    struct addr_key k = key_of(addr, len);
    pthread_mutex_lock(&l->mu);
    int total;
    int mine = count_key(l, &k, &total);
    int rc = 0;
    if (l->c.per_client > 0 && mine >= 2 * l->c.per_client) {
        rc = -1;
    } else if (total >= l->c.max_connections) {
        /* room for it: the waiting connection that waited longest, of an
         * address over its per_client if there is one */
        struct guard_conn *victim = NULL;
        for (int i = 0; i < l->nslots; i++) {
            struct guard_conn *s = &l->slots[i];
            if (!live(s) || s->busy)
                continue;
            if (!victim || (s->over && !victim->over) ||
                (s->over == victim->over && s->since < victim->since))
                victim = s;
        }
        if (victim)
            close_conn(victim);
        else
            rc = -1;
    }
    if (rc == 0) { /* and a free slot for it */
        int free_slot = 0;
        for (int i = 0; i < l->nslots && !free_slot; i++)
            free_slot = !l->slots[i].used;
        rc = free_slot ? 0 : -1;
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

struct guard_conn *guard_open(struct guard *l, const struct sockaddr *addr,
                              socklen_t len, int fd, double now)
{
    struct addr_key k = key_of(addr, len);
    pthread_mutex_lock(&l->mu);
    int total;
    int mine = count_key(l, &k, &total);
    struct guard_conn *s = NULL;
    for (int i = 0; i < l->nslots && !s; i++)
        if (!l->slots[i].used)
            s = &l->slots[i];
    if (s)
        *s = (struct guard_conn){.key = k,
                                 .since = now,
                                 .fd = fd,
                                 .used = 1,
                                 .over = l->c.per_client > 0 &&
                                         mine >= l->c.per_client};
    pthread_mutex_unlock(&l->mu);
    return s;
}

void guard_close(struct guard *l, struct guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&l->mu);
    memset(c, 0, sizeof *c);
    pthread_mutex_unlock(&l->mu);
}

/* The bucket of key k (made full when new); NULL for an unknown family. */
static struct bucket *bucket_of(struct guard *l, const struct addr_key *k,
                                double now)
{
    if (k->family == 0)
        return NULL;
    unsigned h = hash_key(k);
    struct bucket *oldest = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        struct bucket *b = &l->buckets[(h + i) % BUCKETS];
        if (b->used && same_key(&b->key, k))
            return b;
        if (!b->used) {
            oldest = b;
            break;
        }
        if (!oldest || b->last < oldest->last)
            oldest = b;
    }
    *oldest = (struct bucket){
        .key = *k, .tokens = l->c.burst, .last = now, .used = 1};
    return oldest;
}

enum guard_verdict guard_request(struct guard *l, struct guard_conn *c,
                                 int health, double now, int *retry_after)
{
    if (!c)
        return GUARD_OK;
    enum guard_verdict v = GUARD_OK;
    pthread_mutex_lock(&l->mu);
    c->busy = 1;
    struct bucket *b = l->c.rate > 0 ? bucket_of(l, &c->key, now) : NULL;
    if (b) {
        double t = b->tokens + (now - b->last) * l->c.rate;
        b->tokens = t > l->c.burst ? l->c.burst : t;
        b->last = now;
    }
    if (c->over) {
        v = GUARD_CLIENT;
        *retry_after = 1;
    } else if (b && b->tokens < 1.0) {
        v = GUARD_RATE;
        double wait = ceil((1.0 - b->tokens) / l->c.rate);
        *retry_after = wait < 1 ? 1 : wait > 3600 ? 3600 : (int)wait;
    } else if (!health) {
        int busy = 0;
        for (int i = 0; i < l->nslots; i++)
            busy += live(&l->slots[i]) && l->slots[i].busy;
        if (busy > l->c.max_connections - l->c.reserve) {
            v = GUARD_FULL;
            *retry_after = 1;
        }
    }
    if (v == GUARD_OK && b)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&l->mu);
    return v;
}

void guard_done(struct guard *l, struct guard_conn *c, double now)
{
    if (!c)
        return;
    pthread_mutex_lock(&l->mu);
    c->busy = 0;
    c->since = now;
    pthread_mutex_unlock(&l->mu);
}

int guard_reap(struct guard *l, double now)
{
    int n = 0;
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < l->nslots; i++) {
        struct guard_conn *s = &l->slots[i];
        if (live(s) && !s->busy && now - s->since > l->c.header_timeout) {
            close_conn(s);
            n++;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return n;
}

void guard_count(struct guard *l, int *open, int *busy)
{
    int o = 0, b = 0;
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < l->nslots; i++)
        if (live(&l->slots[i])) {
            o++;
            b += l->slots[i].busy;
        }
    pthread_mutex_unlock(&l->mu);
    *open = o;
    *busy = b;
}
