/* Runs a Check suite with TAP on stdout. Under make check (NR_TAP_ONLY)
 * the TAP lines carry the failures and the exit status is 0; run by hand
 * the status says too. */
#ifndef NR_TEST_TAP_H
#define NR_TEST_TAP_H

#include <check.h>
#include <stdlib.h>

static inline int
tap_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (getenv("NR_TAP_ONLY") != NULL)
		return 0;
	return failed == 0 ? 0 : 1;
}

#endif
