/* The host around a drive session (env.h): for now the guard's removal,
 * reported on every outcome.
 */
#include <stdio.h>
#include <string.h>

#include "env.h"

/* ---- the end of a session ------------------------------------------------------ */

void ts_drive_close_report(struct dsess *s, struct ts_drive_result *res,
                           char *err, size_t errlen)
{
    char e2[320];

    if (dsess_close(s, e2, sizeof e2) == 0)
        return;
    if (res->outcome == TS_DRIVE_OK) {
        res->outcome = TS_DRIVE_FAILED;
        snprintf(err, errlen, "%s", e2);
        return;
    }
    /* both, the removal whole: it says how to clean up by hand */
    size_t keep = strlen(err), need = strlen(e2) + 3;
    if (keep + need >= errlen)
        keep = errlen > need ? errlen - need - 1 : 0;
    snprintf(err + keep, errlen - keep, "%s%s", keep ? "; " : "", e2);
}
