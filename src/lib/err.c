/* The error value: a code and a human message. */
#include <stdarg.h>
#include <stdio.h>

#include "nr.h"

int
err_set(struct nr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->sqlerr = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
err_clear(struct nr_err *err)
{
	if (err == NULL)
		return;
	err->code = NR_OK;
	err->sqlerr = 0;
	err->msg[0] = '\0';
}
