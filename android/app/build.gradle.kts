import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// AGP 9 compiles the Kotlin sources itself (built-in Kotlin): no org.jetbrains.kotlin.android plugin.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "jp.co.panasonic.smarthems.app"
    compileSdk = 37
    defaultConfig {
        applicationId = "jp.co.panasonic.smarthems"
        minSdk = 26
        targetSdk = 36
        versionCode = 310
        versionName = "3.1.0"
        manifestPlaceholders["smarthemsHost"] = "smarthems.panasonic.example"
    }
    // The NDK build-rust.sh links libsmarthems.so with; AGP uses it to strip and package it.
    ndkVersion = libs.versions.ndk.get()
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    sourceSets["main"].apply {
        // Filled by build-rust.sh (cargo-ndk), one folder per ABI. The bindings are in :core.
        jniLibs.srcDirs("src/main/jniLibs")
    }
    packaging {
        // 16 KB pages (Android 15+): native libraries stay uncompressed, so AGP aligns them in the
        // APK on 16 KB boundaries; build-rust.sh links them with 16 KB ELF segment alignment.
        jniLibs.useLegacyPackaging = false
    }
}

// The kotlinOptions {} DSL is an error since Kotlin 2.3 (and does not exist with built-in Kotlin);
// compiler options live in the kotlin {} extension.
kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // The screens (and, through :ui, the core's Kotlin API in :core with JNA).
    implementation(project(":ui"))
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.process)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.browser)
    implementation(libs.kotlinx.coroutines.android)
    // The Kotlin half of rustls-platform-verifier; its version is set below from Cargo.lock.
    implementation(libs.rustls.platform.verifier)
}

/**
 * The version of rustls-platform-verifier-android in the workspace's Cargo.lock, which is the version
 * of the AAR the Rust crate was built against; a SemVer-incompatible AAR fails at run time. As the
 * crate's README ("Gradle Setup", Kotlin) has it: a ValueSource, so the configuration cache is
 * invalidated when Cargo.lock changes. (The README's snippet declares `rustls:` but matches
 * `org.rustls`; the archive publishes 0.2.0 as org.rustls:rustls-platform-verifier.)
 */
abstract class RustlsVersion : ValueSource<String, RustlsVersion.Params> {
    interface Params : ValueSourceParameters {
        val lockFile: RegularFileProperty
    }

    override fun obtain(): String {
        val lines = parameters.lockFile.get().asFile.readLines()
        val at = lines.indexOfFirst { it.trim() == "name = \"$CRATE_NAME\"" }
        val version = if (at < 0) null else lines.drop(at + 1)
            .firstOrNull { it.trimStart().startsWith("version = ") }
            ?.substringAfter('"', "")?.substringBefore('"', "")?.takeIf { it.isNotEmpty() }
        return version ?: error("$CRATE_NAME not found in Cargo.lock")
    }

    companion object {
        const val CRATE_NAME = "rustls-platform-verifier-android"
    }
}

val rustlsPlatformVerifierVersion = providers.of(RustlsVersion::class.java) {
    parameters.lockFile.set(layout.projectDirectory.file("../../Cargo.lock"))
}

configurations.configureEach {
    resolutionStrategy.eachDependency {
        if (requested.group == "org.rustls" && requested.name == "rustls-platform-verifier") {
            useVersion(rustlsPlatformVerifierVersion.get())
            because("the AAR must be the version of ${RustlsVersion.CRATE_NAME} in Cargo.lock")
        }
    }
}
