#!/usr/bin/env python3
"""Writes the <artifactItem> list of check/pom.xml: the closure of the app's and ui's Gradle
dependencies resolved the way Gradle does it — Gradle module metadata (.module), the Android
variant of each library (`org.gradle.jvm.environment=android` / `androidJvm`, else the JVM one),
redirects to -android artifacts followed, the Compose BOM's versions as constraints, and the
highest version winning. Maven cannot do this itself (AndroidX's exact-version ranges conflict).

    python3 android/check/closure.py > /tmp/items.xml   # then paste over the list in pom.xml

Run it when android/gradle/libs.versions.toml changes; ROOTS below must follow that file.
"""
import json
import re
import sys
import urllib.request

REPO = "https://repo.maven.apache.org/maven2"
BOM = ("androidx.compose", "compose-bom", "2026.09.00")
ROOTS = [
    ("androidx.activity", "activity-compose", "1.13.0"),
    ("androidx.browser", "browser", "1.10.0"),
    ("androidx.lifecycle", "lifecycle-process", "2.11.0"),
    ("androidx.lifecycle", "lifecycle-runtime-compose", "2.11.0"),
    ("androidx.compose.material3", "material3", "1.4.0"),
    ("androidx.compose.ui", "ui", "1.12.1"),
    ("androidx.compose.foundation", "foundation", "1.12.1"),
    ("org.jetbrains.kotlinx", "kotlinx-coroutines-android", "1.11.0"),
]
# Listed in pom.xml on their own (the compiler's own stdlib, JNA's jar, the framework).
SKIP = {("org.jetbrains.kotlin", "kotlin-stdlib")}


def version_key(v):
    return [(int(x), "") if x.isdigit() else (-1, x) for x in re.split(r"[.-]", v)]


def fetch(g, a, v, ext):
    try:
        return urllib.request.urlopen(f"{REPO}/{g.replace('.', '/')}/{a}/{v}/{a}-{v}.{ext}").read()
    except Exception:
        return b""


def variants(module):
    """The api and runtime variants for Android, best match first."""
    def score(var, usage):
        at = var.get("attributes", {})
        if at.get("org.gradle.usage") != usage or at.get("org.gradle.category", "library") != "library":
            return None
        if "org.gradle.docstype" in at:
            return None
        platform = at.get("org.jetbrains.kotlin.platform.type")
        if platform not in (None, "jvm", "androidJvm"):
            return None
        return 3 if at.get("org.gradle.jvm.environment") == "android" or platform == "androidJvm" else 1

    picked = []
    for usage in ("java-api", "java-runtime"):
        scored = sorted(((score(v, usage), v) for v in module.get("variants", [])), key=lambda x: -(x[0] or 0))
        scored = [x for x in scored if x[0] is not None]
        if scored:
            picked.append(scored[0][1])
    return picked


def main():
    constraints = {}
    bom = fetch(*BOM, "pom").decode()
    for dep in re.findall(r"<dependency>(.*?)</dependency>", bom, re.S):
        g = re.search(r"<groupId>(.*?)</groupId>", dep).group(1)
        a = re.search(r"<artifactId>(.*?)</artifactId>", dep).group(1)
        constraints[(g, a)] = re.search(r"<version>(.*?)</version>", dep).group(1)
    chosen, kinds, pending = {}, {}, list(ROOTS)
    while pending:
        g, a, v = pending.pop()
        key = (g, a)
        best = max([x for x in (chosen.get(key), constraints.get(key), v) if x], key=version_key)
        if chosen.get(key) == best and key in kinds:
            continue
        chosen[key] = best
        raw = fetch(g, a, best, "module")
        if not raw:  # a plain Maven module
            pom = fetch(g, a, best, "pom").decode()
            packaging = re.search(r"<packaging>(\w+)</packaging>", pom)
            kinds[key] = packaging.group(1) if packaging else "jar"
            for dep in re.findall(r"<dependency>(.*?)</dependency>", pom.split("</dependencyManagement>")[-1], re.S):
                scope = re.search(r"<scope>(.*?)</scope>", dep)
                version = re.search(r"<version>\[?(.*?)[\],]?</version>", dep)
                if version and not (scope and scope.group(1) in ("test", "provided")):
                    dg = re.search(r"<groupId>(.*?)</groupId>", dep).group(1)
                    da = re.search(r"<artifactId>(.*?)</artifactId>", dep).group(1)
                    pending.append((dg, da, version.group(1).strip("[]").split(",")[0]))
            continue
        kind = set()
        for var in variants(json.loads(raw)):
            if "available-at" in var:
                r = var["available-at"]
                pending.append((r["group"], r["module"], r["version"]))
                kind.add("redirect")
                continue
            kind.update(f["name"].rsplit(".", 1)[-1] for f in var.get("files", []))
            for dep in var.get("dependencies", []):
                ver = dep.get("version", {})
                vv = ver.get("strictly") or ver.get("requires") or ver.get("prefers")
                if vv:
                    pending.append((dep["group"], dep["module"], vv.strip("[]").split(",")[0]))
            for dep in var.get("dependencyConstraints", []):
                ver = dep.get("version", {})
                vv = (ver.get("strictly") or ver.get("requires") or "").strip("[]").split(",")[0]
                k = (dep["group"], dep["module"])
                if vv and (k not in constraints or version_key(vv) > version_key(constraints[k])):
                    constraints[k] = vv
                    if k in chosen and version_key(vv) > version_key(chosen[k]):
                        pending.append((k[0], k[1], vv))
        kinds[key] = ",".join(sorted(kind)) or "none"
    for (g, a), v in sorted(chosen.items()):
        kind = kinds.get((g, a), "")
        if (g, a) in SKIP or "redirect" in kind or kind in ("pom", "none"):
            continue
        t = "aar" if "aar" in kind else "jar"
        print(f"                <artifactItem><groupId>{g}</groupId><artifactId>{a}</artifactId>"
              f"<version>{v}</version><type>{t}</type></artifactItem>")


if __name__ == "__main__":
    sys.exit(main())
