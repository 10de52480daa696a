/* Random ISNs, ports and IP ids from getrandom(), read a page at a time so a
 * flood does not make one system call per segment.  (libnet_get_prand() is
 * random() underneath and only 31 bits wide.)
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tcpshake/craft.h"

void ts_craft_rng_init(struct ts_craft_rng *r)
{
    r->pos = sizeof(r->buf); /* empty: the first draw fills it */
}

int ts_craft_rng_u32(struct ts_craft_rng *r, uint32_t *v)
{
    if (r->pos + sizeof(*v) > sizeof(r->buf)) {
        size_t got = 0;
        while (got < sizeof(r->buf)) {
            ssize_t n = getrandom(r->buf + got, sizeof(r->buf) - got, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            got += (size_t)n;
        }
        r->pos = 0;
    }
    memcpy(v, r->buf + r->pos, sizeof(*v));
    r->pos += sizeof(*v);
    return 0;
}
