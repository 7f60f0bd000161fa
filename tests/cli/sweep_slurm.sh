# SPDX-License-Identifier: BSD-3-Clause
# mmusim sweep --slurm: the scripts it writes, then a real single-node Slurm
# cluster (tests/cli/slurm_cluster.inc): a sweep submitted as a job array
# with a task that fails, retried by the merge job's --resume and reported;
# the merged result byte-identical to the same sweep run here; a point that
# keeps failing leaves the output unwritten and the merge job failed; a
# resubmission with --resume reruns only what is missing.
#
# Without the Slurm daemons the cluster part is skipped with a message,
# unless MMUSIM_REQUIRE_SLURM is set: then it fails.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/slurm_cluster.inc"
cd "$TMP" || exit 1

BASE=(--set tlb.arrays=u --set tlb.u.entries=8 --set tlb.u.ways=8 --set tlb.u.policy=lru)
GRID=(--vary tlb.u.entries=4,8 --vary tlb.u.ways=1,2,4)
cat > t.txt <<'T'
R 1000 8
W 0x2000 4
R 1ff8 8
X 3000 4
R 4000
R 5000 8
R 2000 8
R 9000 8
R 1000 8
R 11000 8
T
printf 'R 7000 8\nR 8000 8\nR 7000 8\nR f000 8\n' > u.good
printf 'R 7000 8\nR 8zz0 8\n' > u.bad

# ---- the scripts, without submitting ----
cp u.good u.txt
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --out ns.csv --slurm-no-submit --slurm-tasks 3 \
  --slurm-throttle 2 --slurm-partition debug --slurm-time 5 --slurm-mem 100M --slurm-cpus 2 \
  --slurm-arg=--nice=10 --slurm-arg --comment=mmusim >ns.out 2>ns.err || bad "--slurm-no-submit: $(cat ns.err)"
T_S=ns.csv.slurm/tasks.sbatch
M_S=ns.csv.slurm/merge.sbatch
for l in "--array=1-3%2" "--partition=debug" "--time=5" "--mem=100M" "--cpus-per-task=2" "--nice=10" \
         "--comment=mmusim" "--chdir=$PWD" "--output=$PWD/ns.csv.slurm/task-%a.out"; do
  grep -qxF "#SBATCH $l" "$T_S" && ok || bad "tasks.sbatch has no '#SBATCH $l'"
done
for l in "--partition=debug" "--time=5" "--mem=100M" "--output=$PWD/ns.csv.slurm/merge.out"; do
  grep -qxF "#SBATCH $l" "$M_S" && ok || bad "merge.sbatch has no '#SBATCH $l'"
done
grep -q -- "--shard \"\$K/3\" --out \"$PWD/ns.csv.slurm/part-\$K.csv\" --resume" "$T_S" && ok || bad "task command: $(tail -1 "$T_S")"
grep -q "sbatch --dependency=afterany:\$jid $PWD/ns.csv.slurm/merge.sbatch" ns.out && ok || bad "printed steps: $(cat ns.out)"
[ ! -e ns.csv ] && [ ! -e ns.csv.slurm/part-1.csv ] && ok || bad "--slurm-no-submit ran points"
sh -n "$T_S" && sh -n "$M_S" && ok || bad "scripts are not valid sh"
# a task script run by hand (as Slurm would, task 2) does its shard
SLURM_ARRAY_TASK_ID=2 sh "$T_S" >/dev/null 2>&1 || bad "task script by hand"
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --shard 2/3 --out hand2.csv --quiet -j 1
cmp -s hand2.csv ns.csv.slurm/part-2.csv && ok || bad "task 2 by hand differs from --shard 2/3"

expect_fail "slurm option without --slurm" "need --slurm" "$MMUSIM" sweep t.txt --slurm-time 5 --out x.csv
expect_fail "--slurm with --shard" "no --shard" "$MMUSIM" sweep t.txt --slurm --shard 1/2 --out x.csv
expect_fail "bad --slurm-tasks" "not a positive number" "$MMUSIM" sweep t.txt --slurm --slurm-tasks 0 --out x.csv
expect_fail "blank in --slurm-time" "cannot hold blanks" "$MMUSIM" sweep t.txt --slurm --slurm-time "1 0" --out x.csv
expect_fail "sbatch argument" "expected an sbatch option" "$MMUSIM" sweep t.txt --slurm --slurm-arg hold --out x.csv
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --out ns.csv --slurm-no-submit --slurm-tasks 3 >/dev/null 2>&1
expect_eq "resubmission without --resume refused" "$?" 2
expect_fail "--strict with an invalid point" "(--strict): nothing submitted" \
  "$MMUSIM" sweep t.txt "${BASE[@]}" --vary tlb.u.ways=3,4 --strict --out st.csv --slurm-no-submit
[ ! -e st.csv.slurm ] && ok || bad "--strict refusal wrote scripts"

# ---- a real cluster ----
if ! slurm_have; then
  if [ -n "${MMUSIM_REQUIRE_SLURM-}" ]; then
    bad "slurmctld, slurmd, munged or the Slurm client is not installed (Debian packages slurmctld slurmd munge slurm-client) and MMUSIM_REQUIRE_SLURM is set"
  else
    echo "SKIP: the Slurm daemons are not installed (Debian packages slurmctld slurmd munge slurm-client); set MMUSIM_REQUIRE_SLURM=1 to make this a failure"
  fi
  finish
  exit $?
fi
trap slurm_stop EXIT
slurm_start "$TMP/cluster" || { bad "could not start a single-node Slurm cluster"; finish; exit 1; }

# the reference: the same sweep run here, merged
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" -j 2 --out local.csv --quiet 2>/dev/null || bad "local sweep"
"$MMUSIM" merge local.merged.csv local.csv || bad "local merge"

# submitted held, so that u.txt can be broken while the tasks run and mended
# before the merge job: the tasks of u.txt's points fail, the merge job retries them
cp u.bad u.txt
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --out s.csv --json pts --slurm --slurm-tasks 4 \
  --slurm-throttle 2 --slurm-partition debug --slurm-time 5 --slurm-mem 100M --slurm-cpus 1 \
  --slurm-arg=--hold >sub.out 2>sub.err || bad "submit: $(cat sub.err)"
jid=$(sed -n 's/.*job array \([0-9][0-9]*\).*/\1/p' sub.out)
mid=$(sed -n 's/.*merge job \([0-9][0-9]*\).*/\1/p' sub.out)
if [ -z "$jid" ] || [ -z "$mid" ]; then
  bad "no job ids: $(cat sub.out sub.err)"
  finish
  exit 1
fi
grep -q "4 tasks for 12 points" sub.out && ok || bad "submission line: $(cat sub.out)"
scontrol release "$jid"
slurm_wait_jobs 60 "$jid" || bad "the job array did not finish"
expect_eq "merge job waits for the array" "$(squeue -h -j "$mid" -o %i)" "$mid"
# u.txt's points are 7..12: shard K has points K, K+4, K+8: every task has one or two of them
expect_eq "every task failed a point" "$(slurm_job_field "$jid" JobState | sort | uniq -c | awk '{print $1 $2}')" "4FAILED"
grep -q "point 7 (u.txt tlb.u.entries=4 tlb.u.ways=1) failed" s.csv.slurm/task-3.out && ok ||
  bad "task 3's log names its failed point: $(cat s.csv.slurm/task-3.out)"
cp u.good u.txt
scontrol release "$mid"
slurm_wait_jobs 60 "$mid" || bad "the merge job did not finish"
expect_eq "merge job state" "$(slurm_job_field "$mid" JobState) $(slurm_job_field "$mid" ExitCode)" "COMPLETED 0:0"
expect_eq "retries reported" "$(grep -c 'point(s) without a row' s.csv.slurm/merge.out 2>/dev/null)" 4
grep -q "shard 3/4: task 3 left 2 point(s) without a row" s.csv.slurm/merge.out && ok || bad "merge.out: $(cat s.csv.slurm/merge.out)"
grep -qP "^7\ttodo\tu.txt tlb.u.entries=4 tlb.u.ways=1$" s.csv.slurm/merge.out && ok || bad "retried point named"
cmp -s s.csv local.merged.csv && ok || bad "the cluster's merged result differs from the local sweep's"
expect_eq "per-point JSON from the tasks" "$(ls pts | wc -l)" 12

# a point that keeps failing: the merge job fails and writes no output
cp u.bad u.txt
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --out f.csv --slurm --slurm-tasks 2 >fsub.out 2>&1 || bad "submit 2"
jid=$(sed -n 's/.*job array \([0-9][0-9]*\).*/\1/p' fsub.out)
mid=$(sed -n 's/.*merge job \([0-9][0-9]*\).*/\1/p' fsub.out)
slurm_wait_jobs 60 "$jid" "$mid" || bad "the second sweep did not finish"
expect_eq "merge job failed" "$(slurm_job_field "$mid" JobState) $(slurm_job_field "$mid" ExitCode)" "FAILED 1:0"
[ ! -e f.csv ] && ok || bad "a merge with failed points wrote its output"
grep -q "f.csv is not written" f.csv.slurm/merge.out && ok || bad "merge.out says why: $(cat f.csv.slurm/merge.out)"
grep -q "point 9 (u.txt tlb.u.entries=4 tlb.u.ways=4) failed" f.csv.slurm/merge.out && ok || bad "merge.out names the point"
# mended and resubmitted with --resume: only the missing points run
cp u.good u.txt
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --out f.csv --slurm --slurm-tasks 2 --resume >rsub.out 2>&1 || bad "resubmit: $(cat rsub.out)"
jid=$(sed -n 's/.*job array \([0-9][0-9]*\).*/\1/p' rsub.out)
mid=$(sed -n 's/.*merge job \([0-9][0-9]*\).*/\1/p' rsub.out)
slurm_wait_jobs 60 "$jid" "$mid" || bad "the resubmitted sweep did not finish"
grep -q "3 run, 0 failed, 3 done before" f.csv.slurm/task-1.out && ok || bad "resumed task: $(cat f.csv.slurm/task-1.out)"
cmp -s f.csv local.merged.csv && ok || bad "the resumed cluster sweep differs from the local one"

finish
