// The スマートHEMSサービス Android shell. Build steps: README.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // The Kotlin half of rustls-platform-verifier. Since rustls-platform-verifier 0.7.1
        // (rustls-platform-verifier-android 0.2.0, the versions in Cargo.lock) the AAR is no longer
        // inside the crate: it is served from the project's `maven-archive` branch, and the crate only
        // pins its version (the crate's README, "Android" → "Gradle Setup"; rustls-platform-verifier
        // PR #251). Only group org.rustls is looked up there, and org.rustls only there.
        exclusiveContent {
            forRepository {
                maven {
                    name = "rustlsPlatformVerifier"
                    url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
                }
            }
            filter { includeGroup("org.rustls") }
        }
    }
}

rootProject.name = "smarthems"
// app: activities, platform, Keystore store, App Flip. ui: the composables (Compose only, plus the
// core's Kotlin API from :core; also built for the desktop by ui/pom.xml for the screenshot test).
// core: the generated bindings and their Flow helper, with JNA.
include(":app", ":ui", ":core")
