#!/usr/bin/env bash
# Start-up cost: a warm `status` on an empty root through JBang, against a hello-world picocli +
# Jackson script through the same launcher (goal <= 1.3x), and `status` through the fast path of
# ./install-fast (goal <= 0.25 s).
#   bench/startup.sh [runs]      default 10
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs="${1:-10}"
work=$(mktemp -d /tmp/seisei-startup-XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/hello.java" <<'JAVA'
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.22.4
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
@Command(name = "hello", mixinStandardHelpOptions = true)
class hello implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--json") boolean json;
    public Integer call() throws Exception {
        System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("hello", "world")));
        return 0;
    }
    public static void main(String[] a) { System.exit(new CommandLine(new hello()).execute(a)); }
}
JAVA
"$repo/install-fast" "$work/fast" >/dev/null
median_ms() { # command...
  local t=()
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 "$runs"); do
    local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
h=$(median_ms "$repo/jbang" "$work/hello.java")
s=$(median_ms "$repo/jbang" "$repo/status.java" --root "$work/empty")
f=$(median_ms "$work/fast/bin/seisei-status" --root "$work/empty")
fh=$(median_ms java -jar "$work/fast/lib/seisei-deploy/status/status.jar" --root "$work/empty")
echo "hello-world picocli+jackson via jbang: $h ms"
echo "status (empty root) via jbang:         $s ms, ratio $(awk "BEGIN{printf \"%.2f\", $s/$h}") (goal <= 1.30)"
echo "status via install-fast (jar + CDS):   $f ms (goal <= 250 ms)"
echo "status via plain java -jar, no CDS:    $fh ms"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
