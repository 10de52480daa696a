/* The engine's contract with its sinks (engine.h): it owns them from
 * ts_engine_new on, also when it fails, and it refuses a NULL among them (a
 * sink constructor that ran out of memory) instead of crashing later.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/engine.h"
#include "tcpshake/sink.h"

static void count_free(void *self)
{
    (*(int *)self)++;
}

static const struct ts_sink_ops counting_ops = {.name = "counting", .free = count_free};

static void test_null_sink_refused(void **state)
{
    (void)state;
    int freed = 0;
    struct ts_sink *sinks[3] = {ts_sink_new(&counting_ops, &freed, 0), NULL,
                                ts_sink_new(&counting_ops, &freed, 0)};
    assert_non_null(sinks[0]);
    assert_non_null(sinks[2]);
    struct ts_engine_cfg cfg;
    ts_engine_cfg_default(&cfg);
    char err[128] = "";
    assert_null(ts_engine_new(&cfg, sinks, 3, err, sizeof err));
    assert_string_equal(err, "sink 2 of 3 is NULL (out of memory?)");
    assert_int_equal(freed, 2); /* the others were the engine's: freed */
}

static void test_sinks_freed_with_engine(void **state)
{
    (void)state;
    int freed = 0;
    struct ts_sink *sinks[2] = {ts_sink_new(&counting_ops, &freed, 0),
                                ts_sink_new(&counting_ops, &freed, 0)};
    struct ts_engine_cfg cfg;
    ts_engine_cfg_default(&cfg);
    char err[128] = "";
    struct ts_engine *e = ts_engine_new(&cfg, sinks, 2, err, sizeof err);
    assert_non_null(e);
    assert_int_equal(freed, 0);
    ts_engine_free(e);
    assert_int_equal(freed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_sink_refused),
        cmocka_unit_test(test_sinks_freed_with_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
