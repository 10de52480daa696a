/* libFuzzer target for the script reader: any bytes either parse or give
 * one error with a place in the input; what parses prints back to text that
 * parses to the same printed text (print.c's promise). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* the whole script as text, one item a line; malloc'd */
static char *print_all(const struct ts_script *s, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    check(f != NULL);
    char line[4096];
    for (size_t i = 0; i < s->noptions; i++) {
        size_t need = ts_script_option_format(&s->options[i], line, sizeof line);
        check(need < sizeof line);
        fprintf(f, "%s\n", line);
    }
    for (size_t i = 0; i < s->nevents; i++) {
        size_t need = ts_script_event_format(&s->events[i], NULL, 0);
        char *ev = malloc(need + 1);
        check(ev != NULL);
        check(ts_script_event_format(&s->events[i], ev, need + 1) == need);
        check(strlen(ev) == need);
        fprintf(f, "%s\n", ev);
        free(ev);
    }
    fclose(f);
    *len = n;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ts_script_err err;
    struct ts_script *s = ts_script_parse_string("f.pkt", (const char *)data, size, &err);
    if (!s) {
        check(err.msg[0] != '\0');
        check(err.line >= 1 && err.col >= 1);
        return 0;
    }
    size_t n1, n2;
    char *t1 = print_all(s, &n1);
    struct ts_script *s2 = ts_script_parse_string("f.pkt", t1, n1, &err);
    if (!s2) {
        fprintf(stderr, "reprint refused: %s\n%s", err.text, t1);
        abort();
    }
    check(s2->nevents == s->nevents && s2->noptions == s->noptions);
    char *t2 = print_all(s2, &n2);
    check(n1 == n2 && !memcmp(t1, t2, n1));
    free(t1);
    free(t2);
    ts_script_free(s2);
    ts_script_free(s);
    return 0;
}
