/* The integration harness from C: starts environments with
 * tests/it/harness.sh and reads what it wrote to harness.env. */
#ifndef NR_HARNESS_H
#define NR_HARNESS_H

struct harness;

/* Starts nenv environments (master, slave, nunez-api, nginx each) in a
 * new temp directory; extra (may be NULL) is appended to the command
 * line, e.g. "--no-slave". Returns NULL after printing why. The caller
 * ends it with harness_down. */
struct harness *harness_up(int nenv, const char *extra);

/* A value of harness.env such as "NR_E1_URL", borrowed; NULL if absent. */
const char *harness_get(const struct harness *h, const char *key);

/* Stops every process, removes the directory and frees h. Returns 0
 * when nothing was left over. */
int harness_down(struct harness *h);

#endif
