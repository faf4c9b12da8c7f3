/*
 * test_guard.c - morgue-serve's limits (query/guard.h) without a server:
 * the rate's token bucket, connections per address, the slots kept for
 * /healthz, the connection closed to make room when every slot is taken,
 * and connections late with their headers.  Time is given, not read, so
 * every case is exact; the sockets are socketpairs, so that a connection
 * closed by the guard can be seen to be shut down.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guard.h"
#include "helpers.h"

TestSuite(guard, .fini = expect_no_leaks);

static struct sockaddr_in addr(int last)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)last); /* 127.0.0.x */
    return a;
}

static struct guard_conn *open_from(struct guard *g, int last, int fd,
                                    double now)
{
    struct sockaddr_in a = addr(last);
    cr_assert_eq(guard_admit(g, (struct sockaddr *)&a, sizeof a, now), 0,
                 "127.0.0.%d admitted", last);
    return guard_open(g, (struct sockaddr *)&a, sizeof a, fd, now);
}

/* Whether the other end of a socketpair sees its peer shut down. */
static int shut_down(int other)
{
    char c;
    return recv(other, &c, 1, MSG_DONTWAIT) == 0;
}

Test(guard, the_rate_allows_a_burst_then_one_request_per_token)
{
    struct guard_config c = {
        .max_connections = 10, .rate = 2, .burst = 3, .header_timeout = 5};
    struct guard *g = guard_new(&c, 10);
    struct guard_conn *k = open_from(g, 1, -1, 0);
    int retry = 0;
    for (int i = 0; i < 3; i++)
        cr_expect_eq(guard_request(g, k, 0, 0.0, &retry), GUARD_OK,
                     "request %d of the burst", i + 1);
    cr_expect_eq(guard_request(g, k, 0, 0.0, &retry), GUARD_RATE);
    cr_expect_eq(retry, 1, "one token comes back in 0.5 s: wait 1 s");
    cr_expect_eq(guard_request(g, k, 0, 0.25, &retry), GUARD_RATE,
                 "half a token is not enough");
    cr_expect_eq(guard_request(g, k, 0, 0.5, &retry), GUARD_OK,
                 "a refused request took no token");
    cr_expect_eq(guard_request(g, k, 0, 100.0, &retry), GUARD_OK);
    for (int i = 0; i < 2; i++)
        guard_request(g, k, 0, 100.0, &retry);
    cr_expect_eq(guard_request(g, k, 0, 100.0, &retry), GUARD_RATE,
                 "an idle address saves up no more than the burst");
    guard_free(g);
}

Test(guard, the_rate_is_per_address)
{
    struct guard_config c = {.max_connections = 10, .rate = 1, .burst = 1};
    struct guard *g = guard_new(&c, 10);
    struct guard_conn *a = open_from(g, 1, -1, 0);
    struct guard_conn *b = open_from(g, 2, -1, 0);
    struct guard_conn *a2 = open_from(g, 1, -1, 0);
    int retry = 0;
    cr_expect_eq(guard_request(g, a, 0, 0, &retry), GUARD_OK);
    cr_expect_eq(guard_request(g, a2, 0, 0, &retry), GUARD_RATE,
                 "a second connection shares its address's bucket");
    cr_expect_eq(guard_request(g, b, 0, 0, &retry), GUARD_OK);
    c.rate = 0;
    struct guard *off = guard_new(&c, 10);
    struct guard_conn *k = open_from(off, 1, -1, 0);
    for (int i = 0; i < 1000; i++)
        cr_expect_eq(guard_request(off, k, 0, 0, &retry), GUARD_OK);
    guard_free(off);
    guard_free(g);
}

Test(guard, connections_past_per_client_get_503_and_past_twice_are_refused)
{
    struct guard_config c = {.max_connections = 100, .per_client = 2};
    struct guard *g = guard_new(&c, 100);
    struct guard_conn *k[4];
    for (int i = 0; i < 4; i++)
        k[i] = open_from(g, 9, -1, 0);
    struct sockaddr_in a = addr(9), other = addr(10);
    cr_expect_eq(guard_admit(g, (struct sockaddr *)&a, sizeof a, 0), -1,
                 "a 5th connection is refused at once");
    cr_expect_eq(guard_admit(g, (struct sockaddr *)&other, sizeof other, 0), 0);
    int retry = 0;
    cr_expect_eq(guard_request(g, k[1], 0, 0, &retry), GUARD_OK);
    cr_expect_eq(guard_request(g, k[2], 0, 0, &retry), GUARD_CLIENT);
    cr_expect_geq(retry, 1);
    guard_close(g, k[3]);
    guard_close(g, k[2]);
    cr_expect_eq(guard_admit(g, (struct sockaddr *)&a, sizeof a, 0), 0,
                 "closed connections count no more");
    guard_free(g);
}

Test(guard, the_last_slots_answer_only_healthz)
{
    struct guard_config c = {.max_connections = 4, .reserve = 2};
    struct guard *g = guard_new(&c, 8);
    struct guard_conn *k[4];
    int retry = 0;
    for (int i = 0; i < 4; i++)
        k[i] = open_from(g, 20 + i, -1, 0);
    cr_expect_eq(guard_request(g, k[0], 0, 0, &retry), GUARD_OK);
    cr_expect_eq(guard_request(g, k[1], 0, 0, &retry), GUARD_OK);
    cr_expect_eq(guard_request(g, k[2], 0, 0, &retry), GUARD_FULL,
                 "a 3rd busy connection is past max - reserve");
    cr_expect_eq(retry, 1);
    guard_done(g, k[2], 0);
    cr_expect_eq(guard_request(g, k[3], 1, 0, &retry), GUARD_OK,
                 "/healthz may use the reserve");
    guard_done(g, k[0], 1);
    cr_expect_eq(guard_request(g, k[2], 0, 1, &retry), GUARD_FULL,
                 "a /healthz under way counts as busy too");
    guard_done(g, k[2], 1);
    guard_done(g, k[3], 1);
    cr_expect_eq(guard_request(g, k[2], 0, 1, &retry), GUARD_OK,
                 "finished requests free their places");
    int open = 0, busy = 0;
    guard_count(g, &open, &busy);
    cr_expect_eq(open, 4);
    cr_expect_eq(busy, 2);
    guard_free(g);
}

Test(guard, a_full_house_closes_the_longest_waiting_connection)
{
    struct guard_config c = {.max_connections = 3, .header_timeout = 60};
    struct guard *g = guard_new(&c, 6);
    int sv[3][2];
    struct guard_conn *k[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        k[i] = open_from(g, 30 + i, sv[i][0], (double)i);
    }
    int retry = 0;
    cr_expect_eq(guard_request(g, k[0], 0, 5, &retry), GUARD_OK,
                 "the oldest is busy: never closed");
    struct sockaddr_in a = addr(40);
    cr_expect_eq(guard_admit(g, (struct sockaddr *)&a, sizeof a, 6), 0);
    cr_expect(!shut_down(sv[0][1]), "busy: left alone");
    cr_expect(shut_down(sv[1][1]), "waited longest for its headers: closed");
    cr_expect(!shut_down(sv[2][1]));
    struct guard_conn *n =
        guard_open(g, (struct sockaddr *)&a, sizeof a, -1, 6);
    cr_expect_not_null(n);
    guard_request(g, k[2], 0, 6, &retry);
    guard_request(g, n, 0, 6, &retry);
    cr_expect_eq(guard_admit(g, (struct sockaddr *)&a, sizeof a, 7), -1,
                 "every live connection busy: no room");
    guard_close(g, k[1]);
    for (int i = 0; i < 3; i++) {
        close(sv[i][0]);
        close(sv[i][1]);
    }
    guard_free(g);
}

Test(guard, a_full_house_closes_a_connection_over_per_client_first)
{
    struct guard_config c = {
        .max_connections = 3, .per_client = 1, .header_timeout = 60};
    struct guard *g = guard_new(&c, 6);
    int sv[3][2];
    int from[3] = {50, 51, 51}; /* the 3rd is over its address's 1 */
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        open_from(g, from[i], sv[i][0], (double)i);
    }
    struct sockaddr_in a = addr(52);
    cr_expect_eq(guard_admit(g, (struct sockaddr *)&a, sizeof a, 9), 0);
    cr_expect(!shut_down(sv[0][1]), "the oldest, but within its quota");
    cr_expect(shut_down(sv[2][1]), "the newest, but over its quota");
    for (int i = 0; i < 3; i++) {
        close(sv[i][0]);
        close(sv[i][1]);
    }
    guard_free(g);
}

Test(guard, connections_late_with_their_headers_are_reaped)
{
    struct guard_config c = {.max_connections = 10, .header_timeout = 5};
    struct guard *g = guard_new(&c, 10);
    int sv[2][2];
    struct guard_conn *k[2];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        k[i] = open_from(g, 60 + i, sv[i][0], 0);
    }
    int retry = 0;
    cr_expect_eq(guard_reap(g, 5.0), 0, "not late yet");
    guard_request(g, k[1], 0, 1, &retry);
    cr_expect_eq(guard_reap(g, 5.5), 1);
    cr_expect(shut_down(sv[0][1]), "still sending its headers: closed");
    cr_expect(!shut_down(sv[1][1]), "busy with its request: left alone");
    guard_done(g, k[1], 6);
    cr_expect_eq(guard_reap(g, 10.5), 0,
                 "a kept-alive connection's wait starts at its answer");
    cr_expect_eq(guard_reap(g, 11.5), 1);
    cr_expect_eq(guard_reap(g, 20), 0, "closed once");
    int open = 0, busy = 0;
    guard_count(g, &open, &busy);
    cr_expect_eq(open, 0);
    for (int i = 0; i < 2; i++) {
        close(sv[i][0]);
        close(sv[i][1]);
    }
    guard_free(g);
}

Test(guard, a_connection_not_tracked_is_not_limited)
{
    struct guard_config c = {.max_connections = 1, .rate = 1, .burst = 1};
    struct guard *g = guard_new(&c, 1);
    int retry = 0;
    cr_expect_eq(guard_request(g, NULL, 0, 0, &retry), GUARD_OK);
    guard_done(g, NULL, 0);
    guard_close(g, NULL);
    guard_free(NULL);
    guard_free(g);
}

Test(guard, an_ipv6_client_is_its_slash_64)
{
    struct guard_config c = {.max_connections = 10, .per_client = 1};
    struct guard *g = guard_new(&c, 10);
    struct sockaddr_in6 a, b, other;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr.s6_addr[0] = 0x20; /* 2001:db8::1 */
    a.sin6_addr.s6_addr[1] = 0x01;
    a.sin6_addr.s6_addr[2] = 0x0d;
    a.sin6_addr.s6_addr[3] = 0xb8;
    a.sin6_addr.s6_addr[15] = 1;
    b = a;
    b.sin6_addr.s6_addr[8] = 0xff; /* 2001:db8::ff00:0:0:1, same /64 */
    other = a;
    other.sin6_addr.s6_addr[7] = 1; /* 2001:db8:0:1::1, another /64 */
    struct guard_conn *k[2];
    k[0] = guard_open(g, (struct sockaddr *)&a, sizeof a, -1, 0);
    k[1] = guard_open(g, (struct sockaddr *)&b, sizeof b, -1, 0);
    struct guard_conn *o =
        guard_open(g, (struct sockaddr *)&other, sizeof other, -1, 0);
    int retry = 0;
    cr_expect_eq(guard_request(g, k[0], 0, 0, &retry), GUARD_OK);
    cr_expect_eq(guard_request(g, k[1], 0, 0, &retry), GUARD_CLIENT,
                 "another address of the same /64 is the same client");
    cr_expect_eq(guard_request(g, o, 0, 0, &retry), GUARD_OK);
    guard_free(g);
}
