import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// The core's Kotlin API: the bindings generated from the built library by scripts/bindings.sh
// (bindings/generated/kotlin) and the hand-written Flow helper (bindings/kotlin/src/main/kotlin).
// Plain Kotlin over JNA; an Android library only because JNA's native part comes as an AAR.
plugins {
    alias(libs.plugins.android.library)
}

android {
    namespace = "jp.co.panasonic.smarthems.core"
    compileSdk = 37
    defaultConfig { minSdk = 26 }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    sourceSets["main"].apply {
        kotlin.srcDirs("../../bindings/generated/kotlin", "../../bindings/kotlin/src/main/kotlin")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // The AAR carries JNA's native dispatch library for every ABI (the catalog cannot say "@aar").
    api("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    api(libs.kotlinx.coroutines.core)
}
