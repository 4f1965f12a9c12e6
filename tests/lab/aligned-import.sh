# Sourced by linux-counts.sh and clock-align.sh, with run (a lab run
# directory), vr (vgic-replay) and work set: rec and txt become the run's
# recording (decompressed into work when only record.db.xz is there) and
# ftrace capture, and the capture is imported on the recording's clock
# (`import --align`) into $work/aligned.db.
mkdir -p "$work"
rec=$run/record.db
txt=$run/trace.txt
[ -f "$rec" ] || { xz -dc "$rec.xz" > "$work/record.db"; rec=$work/record.db; }
[ -f "$txt" ] || txt=$txt.xz
"$vr" import -q -f --align "$rec" "$txt" -o "$work/aligned.db"
