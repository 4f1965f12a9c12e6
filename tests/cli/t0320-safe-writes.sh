#!/bin/sh
# Writes that cannot mix old and new (issue 17 case 5): an import built
# beside its target, synced and renamed into place, with the target's
# stale SQLite side files removed first, so that SQLite never replays an
# old -wal or -journal onto the new file; a target that is not a regular
# file is refused, even with --force.
. "$(dirname "$0")/lib.sh"

old="$DATA/samples/linux-6.12-gicv3-1vcpu-spi-burst.trace"
new="$DATA/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace"
cd "$TMP" || exit 1
$VR import -q "$old" -o old.db
$VR import -q "$new" -o out.db
want=$($VR info out.db | grep '^  kernel')

# A WAL left by an earlier writer of out.db (another file's pages, committed).
sqlite3 old.db "PRAGMA journal_mode=WAL" > /dev/null
sqlite3 old.db "PRAGMA wal_autocheckpoint=0; UPDATE trace_info SET kernel_release='STALE-KERNEL'" \
	".shell cp old.db-wal out.db-wal" > /dev/null
test -s out.db-wal; expect_eq "a stale out.db-wal is in place" $? 0
expect_ok "import --force over it" $VR import -q --force "$new" -o out.db
expect_eq "no side file left beside the new trace" "$(ls out.db-* 2> /dev/null | wc -l)" 0
expect_eq "info shows the new trace's kernel, not the stale one" \
	"$($VR info out.db | grep '^  kernel')" "$want"
expect_ok "check finds nothing in the new trace" $VR check --no-store out.db

# A stale rollback journal likewise.
cp old.db out.db-journal
expect_ok "import --force over a stale journal" $VR import -q --force "$new" -o out.db
test ! -e out.db-journal; expect_eq "the stale journal is gone" $? 0
expect_eq "info still shows the new kernel" "$($VR info out.db | grep '^  kernel')" "$want"

# Not a regular file: a FIFO or a device is never replaced by a file.
mkfifo fifo.db
expect_fail "a FIFO as the output is refused" 1 "fifo.db: not a regular file" \
	$VR import -q --force "$new" -o fifo.db
test -p fifo.db; expect_eq "the FIFO is still a FIFO" $? 0
finish
