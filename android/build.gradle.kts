// The Android shell's build; versions in gradle/libs.versions.toml.
buildscript {
    repositories { mavenCentral() }
    dependencies {
        // AGP 9 compiles Kotlin itself ("built-in Kotlin", no org.jetbrains.kotlin.android plugin)
        // with the Kotlin Gradle plugin it depends on (2.2.10 for AGP 9.0). The documented way to
        // use a newer one is to put it on the build classpath here: the Compose compiler plugin
        // must have the same version, and today's AndroidX artifacts carry Kotlin 2.4 metadata.
        // https://developer.android.com/build/releases/agp-9-0-0-release-notes
        // ("Runtime dependency on Kotlin Gradle plugin", "Upgrade to a higher KGP version")
        classpath(libs.kotlin.gradle.plugin)
    }
}

plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
