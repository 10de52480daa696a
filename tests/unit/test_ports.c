/* Source port blocks (src/drive/env.c): a port used within the quiet time
 * is kept out of the blocks drawn after it, so that a SYN never meets a
 * peer's TIME-WAIT of an earlier run; and ts_drive_port_quiet says so.
 * Uses the host's own lock file (as every session does): skipped when it
 * cannot be opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/drive/env.h"

static void used_ports_stay_out_of_later_blocks(void **state)
{
    (void)state;
    struct ts_craft_rng rng;
    uint16_t a = 0, b = 0;
    int hold = -1;

    ts_craft_rng_init(&rng);
    assert_int_equal(ts_drive_reserve_ports(&rng, 64, &a, &hold), 0);
    if (hold < 0)
        skip(); /* no lock file: nothing to remember uses in */
    assert_true(ts_drive_port_quiet(hold, (uint16_t)(a + 10)));
    ts_drive_mark_ports(hold, a, 64);
    assert_false(ts_drive_port_quiet(hold, a));
    assert_false(ts_drive_port_quiet(hold, (uint16_t)(a + 63)));
    ts_drive_release_ports(hold);

    /* a random base each draw: without the quiet time, about one draw in
     * 35 would overlap a..a+63 (127 bases of ~4470); 300 draws */
    for (int i = 0; i < 300; i++) {
        int h2 = -1;
        assert_int_equal(ts_drive_reserve_ports(&rng, 64, &b, &h2), 0);
        assert_true(h2 >= 0);
        if ((unsigned)b + 64 > a && (unsigned)a + 64 > b)
            fail_msg("draw %d: block %u..%u overlaps %u..%u used just now", i, (unsigned)b,
                     (unsigned)b + 63, (unsigned)a, (unsigned)a + 63);
        assert_true(ts_drive_port_quiet(h2, (uint16_t)(a + 5)) == false);
        ts_drive_release_ports(h2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(used_ports_stay_out_of_later_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
