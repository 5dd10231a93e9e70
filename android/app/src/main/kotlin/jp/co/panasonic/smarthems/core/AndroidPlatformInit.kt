package jp.co.panasonic.smarthems.core

import android.content.Context

/**
 * The one JNI entry point of the core (rust-core/src/setup.rs): hands the app's Context to
 * rustls-platform-verifier so HTTPS is checked by Android's own trust manager. Call once before
 * the first network request. Everything else goes through the UniFFI bindings (JNA).
 */
object AndroidPlatformInit {
    init {
        System.loadLibrary("smarthems")
    }

    @JvmStatic
    external fun initTls(context: Context)
}
