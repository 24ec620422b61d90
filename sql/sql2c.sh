#!/bin/sh
# Writes a C file holding each SQL file given, in order, as one string:
#   sql2c.sh out.c file1.sql file2.sql ...
set -eu
out=$1
shift
{
	echo "/* Generated from sql/engine by sql/sql2c.sh. */"
	echo "#include <stddef.h>"
	echo "const char *const migrations[] = {"
	for f in "$@"; do
		sed -e '/^--/d' -e '/^$/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
			-e 's/^/"/' -e 's/$/\\n"/' "$f"
		echo ","
	done
	echo "NULL };"
} >"$out.tmp"
mv "$out.tmp" "$out"
