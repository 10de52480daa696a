/* The script runner's agent: a process inside the network namespace of the
 * stack under test that makes the script's system calls there, one at a
 * time and in order, as packetdrill's syscall thread does, and answers each
 * with its result, errno, start and end time.  Not installed.
 *
 * The runner sends a request and goes on (injecting and capturing
 * segments) while a blocking call (accept, connect, read) waits in the
 * agent; the answer comes on the control socket when the call returns.
 *
 * File descriptors are the agent's own, and the agent keeps 0, 1 and 2 and
 * nothing else below its control socket, so the first socket() gives 3 as
 * in packetdrill: a script's `socket(...) = 3` holds as written.
 */
#ifndef TCPSHAKE_SCRIPT_AGENT_H
#define TCPSHAKE_SCRIPT_AGENT_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum ts_agent_op {
    TS_AG_SOCKET = 1,  /* a[0] domain, a[1] type, a[2] protocol */
    TS_AG_BIND,        /* fd, addr */
    TS_AG_LISTEN,      /* fd, a[0] backlog */
    TS_AG_ACCEPT,      /* fd; reply data: the peer's address */
    TS_AG_GETSOCKNAME, /* fd; reply data: the address */
    TS_AG_CONNECT,     /* fd, addr */
    TS_AG_READ,        /* fd, a[0] count; reply data: the bytes */
    TS_AG_WRITE,       /* fd, data */
    TS_AG_SEND,        /* fd, data, a[1] flags */
    TS_AG_RECV,        /* fd, a[0] count, a[1] flags; reply data: the bytes */
    TS_AG_SENDTO,      /* fd, data, a[1] flags, addr (none when addrlen 0) */
    TS_AG_RECVFROM,    /* fd, a[0] count, a[1] flags */
    TS_AG_SHUTDOWN,    /* fd, a[0] how */
    TS_AG_CLOSE,       /* fd */
    TS_AG_SETSOCKOPT,  /* fd, a[0] level, a[1] name, data: the value */
    TS_AG_GETSOCKOPT,  /* fd, a[0] level, a[1] name, a[2] room; reply data */
    TS_AG_FCNTL,       /* fd, a[0] cmd, a[1] arg (F_GETFL, F_SETFL) */
    TS_AG_POLL,        /* data: nfds x struct pollfd, a[0] timeout (ms);
                          reply data: the pollfds with revents */
    TS_AG_SHELL,       /* data: a command for /bin/sh -c, run in the
                          namespace; ret: its exit status */
    TS_AG_IOCTL,       /* fd, a[0] request (SIOCINQ, SIOCOUTQ, FIONBIO...),
                          data: an int in; reply data: the int out */
    TS_AG_EPOLL_CREATE, /* a[0] size */
    TS_AG_EPOLL_CTL,   /* fd: the epoll descriptor, a[0] op, a[1] the descriptor, a[2]
                        * events; data: the 8 bytes of epoll_data (none: DEL) */
    TS_AG_EPOLL_WAIT,  /* fd, a[0] maxevents, a[1] timeout (ms); reply data: the
                        * events as struct epoll_event */
    TS_AG_RECVMSG,     /* fd, a[0] count, a[1] flags; reply data: msg_flags (int),
                        * then the control messages as the kernel wrote them */
    TS_AG_OPEN,        /* data: the path, a[0] flags, a[1] mode */
    TS_AG_SENDFILE,    /* fd: the socket, a[0] the file, a[1] 1: an offset (data: an
                        * int64, the offset; reply data: the offset after), a[2] count */
    TS_AG_PIPE,        /* reply data: the two descriptors (int[2]) */
    TS_AG_SPLICE,      /* fd: in, a[0] out, a[1] count, a[2] flags (offsets NULL) */
    TS_AG_CAP_SET,     /* a[0] the set (0 effective, 1 permitted, 2 inheritable),
                        * a[1] the capability, a[2] 1 raise, 0 drop: the agent's own
                        * (its later calls'; an exec'd shell line gets all back) */
    TS_AG_QUIT,
};

/* The largest data a request or reply carries. */
#define TS_AGENT_MAX_DATA (256u * 1024u)

/* a[3] of a read, recv, recvfrom, write, send or sendto: the buffer is NULL */
#define TS_AG_NULLBUF 1
/* a[3] of a write, send or sendto from writev() or sendmsg(): the data is
 * a[2] iovec lengths (uint32_t each), then their bytes; each iovec is given
 * the kernel in a place of its own, not next to the one before (a
 * MSG_ZEROCOPY send makes a page fragment of each, as packetdrill's) */
#define TS_AG_IOV 2
#define TS_AG_MAX_IOV 64

struct ts_agent_req {
    uint32_t op;
    uint32_t id;          /* echoed in the reply */
    int32_t fd;
    int32_t a[4];
    uint32_t addrlen;     /* 0: no address */
    struct sockaddr_storage addr;
    uint32_t datalen;
    /* datalen bytes follow */
};

struct ts_agent_rep {
    uint32_t id;
    int32_t err;          /* errno when ret is -1, else 0 */
    int64_t ret;
    uint64_t t_start, t_end; /* CLOCK_MONOTONIC ns around the call */
    uint32_t datalen;
    /* datalen bytes follow */
};

struct ts_agent {
    /* a page both sides see: [0] the id of the call the agent has started,
     * [1] the id of the last it finished */
    volatile uint32_t *shared;
    pid_t pid;
    int fd;               /* the runner's end of the control socket */
    uint32_t next_id;
    bool busy;            /* a request is out, its reply not read */
};

/* The netns_path that asks for a namespace of the agent's own, made new
 * (unshare): it lives exactly as long as the agent and its children, so
 * nothing is left behind whatever ends the run. */
#define TS_AGENT_NETNS_NEW ""

/* Start the agent in the network namespace at netns_path (e.g.
 * /var/run/netns/NAME; NULL: the caller's own; TS_AGENT_NETNS_NEW).  The
 * agent leads a process group of its own; stopping it kills the group (a
 * script's shell line may leave a process behind).  cwd: its working folder
 * (shell lines run relative to the script's folder; NULL: unchanged).
 * shell_cpus (or NULL): the CPUs the programs of shell lines run on, when
 * the caller keeps itself, and so the agent, on one CPU (the caller's set
 * before it did), so that a load a shell line starts does not share it.
 * Call it before the caller starts threads (it forks).  -1 with err. */
int ts_agent_start(struct ts_agent *ag, const char *netns_path, const char *cwd,
                   const cpu_set_t *shell_cpus,
                   char *err, size_t errlen);
/* Send one request (the agent must be idle).  -1 with err. */
int ts_agent_send(struct ts_agent *ag, const struct ts_agent_req *req,
                  const void *data, char *err, size_t errlen);
/* Read the reply to the request out: 1 with rep (and up to room bytes of
 * its data in data), 0 when none has come within timeout_ms (-1: wait
 * without limit), -1 with err when the agent is gone. */
int ts_agent_recv(struct ts_agent *ag, struct ts_agent_rep *rep, void *data,
                  size_t room, int timeout_ms, char *err, size_t errlen);
/* After sending a request: return once the agent has started the call and
 * is either done with it or asleep in it (packetdrill waits so for its
 * system call thread), at most max_ms.  1 done or blocked, 0 not known
 * within max_ms. */
int ts_agent_wait_blocked(struct ts_agent *ag, int max_ms);

/* Ask it to quit; kill it if it does not within a second (a call may
 * block forever); reap it.  Safe on an agent that failed to start. */
void ts_agent_stop(struct ts_agent *ag);

/* The agent's loop on control socket fd (for tests: run in a child). */
int ts_agent_serve(int fd);

#endif
