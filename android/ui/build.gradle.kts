import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// The shell's composables: Compose (and the core's Kotlin API) only — no activity, lifecycle or
// platform code, so the same sources also compile for the desktop JVM (pom.xml here, Compose for
// Desktop), where the screenshot test renders every screen from the real core.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "jp.co.panasonic.smarthems.ui"
    compileSdk = 37
    defaultConfig { minSdk = 26 }
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    sourceSets["main"].apply {
        // What only Android's Compose has (phrase-based Japanese line breaking); the desktop build
        // uses src/desktop/kotlin instead. src/desktopTest is the desktop screenshot test (Maven).
        kotlin.srcDirs("src/android/kotlin")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    api(project(":core"))
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.foundation)
    implementation(libs.androidx.compose.material3)
}
