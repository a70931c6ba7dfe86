# SPDX-License-Identifier: Apache-2.0
#
# validate_agrees CORPUS_LOAD TETRACTL CORPUS: plans every policy of the corpus both ways on
# this kernel and compares them file by file: the daemon's engine installing it
# (CORPUS_LOAD --as-validate prints its verdict as tetractl's lines) and
# `TETRACTL validate --kernel` planning it from the same kernel facts. Prints each file that
# differs with both verdicts (CORPUS_LOAD finds CORPUS from $top_srcdir, which the caller
# exports); returns 0 when every file agrees, 1 otherwise. Needs root.
#
# The one difference allowed is a fact only an attach can learn: a kprobe the kernel refused
# ("the kernel refuses a kprobe on ..."), which the daemon remembers and tetractl, a process
# of its own, cannot know. It is printed, not hidden.
validate_agrees() {
        local corpus_load=$1 tetractl=$2 corpus=$3
        local work files f engine_out tetractl_out differ=0 agreed=0 learnt=0

        work=$(mktemp -d)
        # libbpf's messages go to stderr: apart from the verdicts.
        "$corpus_load" --as-validate > "$work/engine" 2> "$work/engine.err"
        if [ ! -s "$work/engine" ]; then
                echo "FAIL: $corpus_load --as-validate printed no verdict"
                cat "$work/engine.err"
                rm -rf "$work"
                return 1
        fi
        mapfile -t files < <(cd "$corpus" && find . -type f \( -name '*.yaml' -o -name '*.yml' \) |
                sed 's|^\./||' | sort)
        # One run for every file: one probe of the kernel, which is slow under emulation. Its
        # plans are per file all the same, and its exit status says nothing here.
        (cd "$corpus" && "$tetractl" validate --kernel "${files[@]}") > "$work/tetractl" \
                2> "$work/tetractl.err" || true
        if ! grep -q ': policy ' "$work/tetractl"; then
                echo "FAIL: $tetractl validate --kernel printed no plan"
                cat "$work/tetractl.err"
                rm -rf "$work"
                return 1
        fi
        for f in "${files[@]}"; do
                engine_out=$(awk -v f="$f: policy " 'index($0, f) == 1' "$work/engine")
                tetractl_out=$(awk -v f="$f: policy " 'index($0, f) == 1' "$work/tetractl")
                if [ "$engine_out" = "$tetractl_out" ]; then
                        agreed=$((agreed + 1))
                        continue
                fi
                if grep -q -F 'the kernel refuses a kprobe on' <<< "$engine_out" &&
                        ! grep -q -F 'cannot load' <<< "$tetractl_out"; then
                        echo "LEARNT at attach (the daemon knows, tetractl cannot): $f"
                        echo "  daemon:   $engine_out"
                        learnt=$((learnt + 1))
                        continue
                fi
                differ=$((differ + 1))
                echo "DIFFERS: $f"
                echo "--- the daemon's engine:"
                echo "${engine_out:-(nothing)}"
                echo "--- tetractl validate --kernel:"
                echo "${tetractl_out:-(nothing)}"
        done
        echo "validate vs daemon on $(uname -r): ${#files[@]} files, $agreed agree," \
                "$learnt differ by a kprobe refusal learnt at attach, $differ differ"
        rm -rf "$work"
        [ "${#files[@]}" -gt 0 ] && [ "$differ" -eq 0 ]
}
