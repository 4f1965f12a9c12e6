#!/bin/sh
# Print a C definition "const char NAME[] = ..." holding the text of FILE,
# so the schema SQL ships inside the binary. Usage: embed-sql.sh NAME FILE
set -eu
name=$1
file=$2
printf '/* Generated from %s by scripts/embed-sql.sh; do not edit. */\n' "$file"
printf 'extern const char %s[];\nconst char %s[] =\n' "$name" "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$file"
printf ';\n'
