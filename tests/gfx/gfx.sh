# SPDX-License-Identifier: GPL-2.0
# Shell helpers of the compositor tests (run-weston.sh, run-sway.sh),
# sourced after tests/lib.sh. They use $work (the script's directory
# in /tmp), $client (the client's pid) and $work/client.out (its output).

# wait_for SECONDS COMMAND: polls once a second, for SECONDS at most,
# until COMMAND succeeds.
wait_for() {
	n=0
	while [ $n -lt "$1" ]; do
		sh -c "$2" && return 0
		sleep 1
		n=$((n + 1))
	done
	return 1
}

# Seconds since the epoch with fractions, as the client's "t=" are.
now() {
	date +%s.%N
}

# lt A B: A < B, for decimal numbers.
lt() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# minus A B: A - B, to a tenth.
minus() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'
}

# wait_line SECONDS REGEX: polls $work/client.out every 0.2 s until a
# line matches (0), the client leaves or SECONDS pass (1, saying so).
wait_line() {
	wl_end=$(($(date +%s) + $1))
	while ! grep -q "$2" "$work/client.out"; do
		if ! kill -0 "$client" 2>/dev/null; then
			grep -q "$2" "$work/client.out" && return 0
			echo "the client left before printing '$2':"
			tail -5 "$work/client.out"
			return 1
		fi
		if [ "$(date +%s)" -ge $wl_end ]; then
			echo "no '$2' from the client within $1 s"
			return 1
		fi
		sleep 0.2
	done
}

# t_of EVENT: the "t=" of the client's first EVENT line (empty if none).
t_of() {
	sed -n "s/^$1 t=\([0-9.]*\).*/\1/p" "$work/client.out" | head -1
}

# hold_ms SECONDS: how long the engine holds a buffer back (ms) when a
# screenshot takes SECONDS: long enough for one to be asked for and
# taken while the job is pending (2.5 screenshots and 6 s), 8 s at
# least, 60 s at most (six engine jobs of 10 s in a row).
hold_ms() {
	awk -v l="$1" 'BEGIN {
		h = (2.5 * l + 6) * 1000
		if (h < 8000) h = 8000
		if (h > 60000) h = 60000
		printf "%d", h
	}'
}

# start_client ARGS...: the client in the background, its standard input
# the FIFO $work/ctl that file descriptor 3 writes: "step [LINE]" sends
# a line ("go" by default). SIGPIPE is ignored so that a client gone
# does not end the script.
start_client() {
	rm -f "$work/ctl"
	: >"$work/client.out"
	mkfifo "$work/ctl"
	trap '' PIPE
	"$bin" "$@" <"$work/ctl" >"$work/client.out" 2>&1 &
	client=$!
	exec 3>"$work/ctl"
}

step() {
	echo "${1:-go}" >&3 2>/dev/null
}

# stop_client: closes its standard input (it leaves by itself), kills it
# after 30 s.
stop_client() {
	exec 3>&-
	wait_for 30 "! kill -0 $client 2>/dev/null" || kill "$client" 2>/dev/null
	wait "$client" 2>/dev/null
}

# timeline T0: the client's lines, times made relative to T0 (seconds).
timeline() {
	awk -v t0="$1" '{
		if (match($0, / t=[0-9.]+/)) {
			t = substr($0, RSTART + 3, RLENGTH - 3)
			sub(/ t=[0-9.]+/, sprintf(" +%.1fs", t - t0))
		}
		print "  client: " $0
	}' "$work/client.out"
}
