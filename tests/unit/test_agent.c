/* The script runner's agent (src/script/agent.c), in the test's own network
 * namespace, on loopback: the calls of a passive and an active open, data
 * both ways, options, poll, shutdown and close, errno for a bad call, shell
 * lines, a blocking call answered later, and an agent stopped while a call
 * blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/script/agent.h"

static struct ts_agent ag;
static uint8_t buf[TS_AGENT_MAX_DATA];

/* One call, answered within 5 s; its reply in r, its data in buf. */
static int64_t do_call(struct ts_agent_req *q, const void *data, struct ts_agent_rep *r)
{
    char err[256];
    assert_int_equal(ts_agent_send(&ag, q, data, err, sizeof err), 0);
    assert_int_equal(ts_agent_recv(&ag, r, buf, sizeof buf, 5000, err, sizeof err), 1);
    assert_true(r->t_end >= r->t_start);
    return r->ret;
}

static int64_t simple(uint32_t op, int fd, int a0, int a1, int a2)
{
    struct ts_agent_req q = {.op = op, .fd = fd, .a = {a0, a1, a2, 0}};
    struct ts_agent_rep r;
    return do_call(&q, NULL, &r);
}

static void test_calls(void **state)
{
    char err[256];
    struct ts_agent_req q;
    struct ts_agent_rep r;
    (void)state;
    assert_int_equal(ts_agent_start(&ag, NULL, NULL, NULL, err, sizeof err), 0);

    /* the first socket is 3, as in packetdrill */
    assert_int_equal(simple(TS_AG_SOCKET, 0, AF_INET, SOCK_STREAM, 0), 3);
    int one = 1;
    q = (struct ts_agent_req){.op = TS_AG_SETSOCKOPT, .fd = 3,
                              .a = {SOL_SOCKET, SO_REUSEADDR}, .datalen = sizeof one};
    assert_int_equal(do_call(&q, &one, &r), 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    q = (struct ts_agent_req){.op = TS_AG_BIND, .fd = 3, .addrlen = sizeof sin};
    memcpy(&q.addr, &sin, sizeof sin);
    assert_int_equal(do_call(&q, NULL, &r), 0);
    assert_int_equal(simple(TS_AG_LISTEN, 3, 1, 0, 0), 0);
    q = (struct ts_agent_req){.op = TS_AG_GETSOCKNAME, .fd = 3};
    assert_int_equal(do_call(&q, NULL, &r), 0);
    assert_int_equal(r.datalen, sizeof sin);
    memcpy(&sin, buf, sizeof sin);
    assert_int_not_equal(sin.sin_port, 0);

    /* a non-blocking connect: EINPROGRESS */
    assert_int_equal(simple(TS_AG_SOCKET, 0, AF_INET, SOCK_STREAM, 0), 4);
    int fl = (int)simple(TS_AG_FCNTL, 4, F_GETFL, 0, 0);
    assert_true(fl >= 0);
    assert_int_equal(simple(TS_AG_FCNTL, 4, F_SETFL, fl | O_NONBLOCK, 0), 0);
    q = (struct ts_agent_req){.op = TS_AG_CONNECT, .fd = 4, .addrlen = sizeof sin};
    memcpy(&q.addr, &sin, sizeof sin);
    int64_t c = do_call(&q, NULL, &r);
    assert_true(c == 0 || (c == -1 && r.err == EINPROGRESS));
    /* accept: 5, with the client's address */
    q = (struct ts_agent_req){.op = TS_AG_ACCEPT, .fd = 3};
    assert_int_equal(do_call(&q, NULL, &r), 5);
    assert_int_equal(r.datalen, sizeof sin);

    /* poll: the client is writable */
    struct pollfd pf = {.fd = 4, .events = POLLOUT};
    q = (struct ts_agent_req){.op = TS_AG_POLL, .a = {1000}, .datalen = sizeof pf};
    assert_int_equal(do_call(&q, &pf, &r), 1);
    memcpy(&pf, buf, sizeof pf);
    assert_true(pf.revents & POLLOUT);

    /* data one way; read gives what came */
    q = (struct ts_agent_req){.op = TS_AG_WRITE, .fd = 4, .datalen = 5};
    assert_int_equal(do_call(&q, "hello", &r), 5);
    q = (struct ts_agent_req){.op = TS_AG_READ, .fd = 5, .a = {100}};
    assert_int_equal(do_call(&q, NULL, &r), 5);
    assert_int_equal(r.datalen, 5);
    assert_memory_equal(buf, "hello", 5);
    /* the other way with send / recv */
    q = (struct ts_agent_req){.op = TS_AG_SEND, .fd = 5, .datalen = 3};
    assert_int_equal(do_call(&q, "abc", &r), 3);
    q = (struct ts_agent_req){.op = TS_AG_RECV, .fd = 4, .a = {2, 0}};
    assert_int_equal(do_call(&q, NULL, &r), 2);

    /* an option read back */
    q = (struct ts_agent_req){.op = TS_AG_GETSOCKOPT, .fd = 5,
                              .a = {IPPROTO_TCP, TCP_NODELAY, sizeof(int)}};
    assert_int_equal(do_call(&q, NULL, &r), 0);
    assert_int_equal(r.datalen, sizeof(int));

    /* a blocking read: no answer within 200 ms, and the agent takes no
     * other call meanwhile */
    q = (struct ts_agent_req){.op = TS_AG_READ, .fd = 5, .a = {100}};
    assert_int_equal(ts_agent_send(&ag, &q, NULL, err, sizeof err), 0);
    assert_int_equal(ts_agent_recv(&ag, &r, buf, sizeof buf, 200, err, sizeof err), 0);
    assert_int_equal(ts_agent_send(&ag, &q, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "busy"));
    /* stopped while the call blocks: killed and reaped */
    pid_t p = ag.pid;
    ts_agent_stop(&ag);
    assert_int_equal(ag.pid, -1);
    assert_int_equal(kill(p, 0), -1);
}

static void test_errors_and_shell(void **state)
{
    char err[256];
    struct ts_agent_req q;
    struct ts_agent_rep r;
    (void)state;
    char cwd[] = "/tmp";
    assert_int_equal(ts_agent_start(&ag, NULL, cwd, NULL, err, sizeof err), 0);
    /* errno of a failed call */
    assert_int_equal(simple(TS_AG_CLOSE, 3, 0, 0, 0), -1);
    q = (struct ts_agent_req){.op = TS_AG_CLOSE, .fd = 3};
    do_call(&q, NULL, &r);
    assert_int_equal(r.err, EBADF);
    /* the control socket is not the script's to close */
    q = (struct ts_agent_req){.op = TS_AG_CLOSE, .fd = 1000};
    assert_int_equal(do_call(&q, NULL, &r), -1);
    /* a socket, shut down and closed; then gone */
    assert_int_equal(simple(TS_AG_SOCKET, 0, AF_INET6, SOCK_STREAM, 0), 3);
    assert_int_equal(simple(TS_AG_SHUTDOWN, 3, SHUT_RDWR, 0, 0), -1); /* not connected */
    assert_int_equal(simple(TS_AG_CLOSE, 3, 0, 0, 0), 0);
    /* fcntl other than the flags: refused */
    assert_int_equal(simple(TS_AG_FCNTL, 0, F_DUPFD, 0, 0), -1);
    /* shell lines: exit status, in the folder asked for */
    const char *sh = "test \"$(pwd)\" = /tmp && exit 7";
    q = (struct ts_agent_req){.op = TS_AG_SHELL, .datalen = (uint32_t)strlen(sh)};
    assert_int_equal(do_call(&q, sh, &r), 7);
    const char *ok = "true";
    q = (struct ts_agent_req){.op = TS_AG_SHELL, .datalen = (uint32_t)strlen(ok)};
    assert_int_equal(do_call(&q, ok, &r), 0);
    /* an unknown op */
    assert_int_equal(simple(999, 0, 0, 0, 0), -1);
    /* too much data is refused before it is sent */
    q = (struct ts_agent_req){.op = TS_AG_WRITE, .fd = 3, .datalen = TS_AGENT_MAX_DATA + 1};
    assert_int_equal(ts_agent_send(&ag, &q, buf, err, sizeof err), -1);
    pid_t p = ag.pid;
    ts_agent_stop(&ag); /* asked to quit: it does */
    assert_int_equal(kill(p, 0), -1);
    ts_agent_stop(&ag); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_errors_and_shell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
