// The Lints suite's clippy check: reads cargo's JSON messages (`--message-format=json`) on stdin
// and prints every warning and error rustc or clippy reported for the workspace's own crates
// (dependencies are built with their lints capped). A fresh build replays what each compilation
// reported, so this reads the lints of the build the other suites use without compiling again.
// Exits 1 when there is any: the same verdict as `cargo clippy --all-targets -- -D warnings`.
import { createInterface } from "node:readline";

let count = 0;
let units = 0;
const seen = new Set();
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.startsWith("{")) continue;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    continue;
  }
  // Workspace members are path packages; registry crates are `registry+…`.
  const local = String(message.package_id ?? "").startsWith("path+");
  if (message.reason === "compiler-artifact" && local) units += 1;
  if (message.reason !== "compiler-message" || !local) continue;
  const { level, spans, rendered } = message.message;
  // rustc's own tallies ("2 warnings emitted", "aborting due to …") carry no source span.
  if (!["warning", "error"].includes(level) || spans.length === 0) continue;
  // A lib's test build and its normal build report the same lint: once is enough.
  if (seen.has(rendered)) continue;
  seen.add(rendered);
  count += 1;
  process.stdout.write(rendered);
}
console.log(`clippy and rustc on the workspace's ${units} compilations: ${count} warning(s) or error(s)`);
process.exit(count === 0 ? 0 : 1);
