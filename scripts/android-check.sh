#!/usr/bin/env bash
# The Android shell, checked on a machine with neither the Android SDK nor Gradle (Maven only):
#   1. type check: the whole app module (activities, platform, Keystore store, App Flip), the ui
#      module's composables as Android builds them and the generated Kotlin bindings, compiled by
#      Kotlin 2.4.21 + the Compose compiler against android-all 14 and the pinned AndroidX classes
#      (android/check/pom.xml);
#   2. screenshot test: the ui module on the desktop JVM (Compose for Desktop 1.8.2) driven by the
#      real core (generated Kotlin, JNA, the core's debug library) against the simulated cloud
#      process through every screen kind of flows A, B and C; one PNG per screen and variant plus
#      index.md in android/ui/target/screens (or $SMARTHEMS_SCREENS_DIR) — android/ui/pom.xml.
# Installs Java 17 + Maven and a Japanese font if missing; runs scripts/bindings.sh when the
# bindings or the debug library are missing (scripts/test.sh has run it already).
# Ends with a plain line `N passed, N failed` (the type check counts as one) and fails if any did.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_java
# The renders need Japanese glyphs: Noto Sans CJK JP, the font Android phones draw Japanese with.
if ! { command -v fc-list >/dev/null && fc-list :lang=ja | grep -q .; }; then
  apt_install fontconfig fonts-noto-cjk
fi

lib_dir="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug"
generated=bindings/generated/kotlin/jp/co/panasonic/smarthems/core/smarthems.kt
# Bindings generated from an older library misread its answers ("junk remaining in buffer").
if [ ! -f "$generated" ] || [ ! -f "$lib_dir/libsmarthems.so" ] || [ ! -x "$lib_dir/simcloud" ] \
  || [ "$lib_dir/libsmarthems.so" -nt "$generated" ]; then
  bash scripts/bindings.sh
fi
screens_dir="${SMARTHEMS_SCREENS_DIR:-$PWD/android/ui/target/screens}"
mvn=(mvn -B --no-transfer-progress -Dstyle.color=never)

passed=0
failed=0

echo "== Android shell: type check (android/check: app + ui + bindings against android-all 14 and AndroidX)"
start=$SECONDS
if "${mvn[@]}" -f android/check/pom.xml verify; then
  passed=$((passed + 1))
  echo "type check: passed ($((SECONDS - start)) s)"
else
  failed=$((failed + 1))
  echo "type check: FAILED ($((SECONDS - start)) s)"
fi

echo "== Android shell: screenshot test (android/ui on Compose for Desktop, the real core, the simulated cloud)"
start=$SECONDS
reports=android/ui/target/surefire-reports
rm -rf "$reports"
set +e
"${mvn[@]}" -f android/ui/pom.xml test -Dsmarthems.lib.dir="$lib_dir" -Dsmarthems.screens.dir="$screens_dir"
ui_status=$?
set -e
# Surefire's own counts, from its XML reports.
read -r tests failures errors skipped < <(
  cat "$reports"/TEST-*.xml 2>/dev/null | grep -o '<testsuite [^>]*>' | awk '
    { for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) { gsub(/"/, "", kv[2]); sum[kv[1]] += kv[2] } }
    END { printf "%d %d %d %d\n", sum["tests"], sum["failures"], sum["errors"], sum["skipped"] }'
)
echo "Surefire (screenshot test): Tests run: $tests, Failures: $failures, Errors: $errors, Skipped: $skipped ($((SECONDS - start)) s)"
passed=$((passed + tests - failures - errors - skipped))
failed=$((failed + failures + errors))
# A build that failed before any test ran (compilation, resolution) is a failure too.
if [ "$ui_status" -ne 0 ] && [ $((failures + errors)) -eq 0 ]; then
  failed=$((failed + 1))
fi
if [ -f "$screens_dir/index.md" ]; then
  echo "screens: $(find "$screens_dir" -name '*.png' | wc -l) PNGs, index $screens_dir/index.md"
  # The QA report (target/qa-report/<run>/, written by the harness) links ../screens/index.html: the
  # rendered phone screens, copied beside it so the report folder stands alone.
  report_screens="${CARGO_TARGET_DIR:-target}/qa-report/screens"
  rm -rf "$report_screens" && mkdir -p "$report_screens"
  cp "$screens_dir"/*.png "$report_screens"/
  {
    echo '<!doctype html><meta charset=utf-8><title>smarthems — phone screens</title>'
    echo '<style>body{font-family:sans-serif;margin:1em}figure{display:inline-block;margin:.5em;text-align:center}img{width:206px;border:1px solid #ccc}</style>'
    echo '<h1>画面（Android シェルの描画） — phone screens rendered from the real core</h1>'
    echo '<p>Compose for Desktop, the shell’s own composables; normal, largest font (200 %) and dark. <a href="../latest/index.html">QA report (latest run)</a></p>'
    for png in $(cd "$screens_dir" && ls ./*.png | sed 's|^\./||' | grep -v -e '-dark\.png$' -e '-largest-font\.png$' | sort); do
      base=${png%.png}
      echo "<figure><a href=\"$png\"><img src=\"$png\" alt=\"$base\"></a><figcaption>$base · <a href=\"$base-largest-font.png\">largest font</a> · <a href=\"$base-dark.png\">dark</a></figcaption></figure>"
    done
  } > "$report_screens/index.html"
  echo "QA report: $report_screens/index.html"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
