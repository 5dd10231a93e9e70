package jp.co.panasonic.smarthems.app

import android.app.Application
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.AndroidPlatformInit
import jp.co.panasonic.smarthems.core.Config
import jp.co.panasonic.smarthems.core.Language
import jp.co.panasonic.smarthems.core.SetupException
import jp.co.panasonic.smarthems.core.SmartHems
import jp.co.panasonic.smarthems.core.initLogging
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.Locale

/** Where the app is in starting: the core object is made off the main thread (SQLite work). */
sealed interface Startup {
    data object Starting : Startup
    class Ready(val core: SmartHems) : Startup
    /** The core could not be made (its database cannot be opened, a wrong endpoint in the build). */
    class Failed(val error: SetupException) : Startup
}

/** Holds the one core object for the process; tells it when the app comes back to the foreground. */
class SmartHemsApplication : Application() {
    private val startup = MutableStateFlow<Startup>(Startup.Starting)
    val state: StateFlow<Startup> get() = startup
    val phone = AndroidPhone(this)
    val scope: CoroutineScope = MainScope()

    /** The core, once made; suspends until then (and for good if it could not be made). */
    suspend fun core(): SmartHems = when (val ready = startup.first { it !is Startup.Starting }) {
        is Startup.Ready -> ready.core
        else -> awaitCancellation()
    }

    /**
     * A tap, handed to the core in the order of taps: the call starts on the caller's thread
     * (UNDISPATCHED), so a room typed on the device screen reaches the core before the 「次へ」
     * sent right after it. It runs in the application's scope, so closing a screen does not cancel it.
     */
    fun send(action: Action) {
        val core = (startup.value as? Startup.Ready)?.core ?: return
        scope.launch(start = CoroutineStart.UNDISPATCHED) { core.tap(action) }
    }

    override fun onCreate() {
        super.onCreate()
        scope.launch {
            // The library's JNI set-up and the constructor's SQLite work (migrations, the saved
            // state) stay off the main thread; the window shows the theme's background meanwhile.
            val made = withContext(Dispatchers.IO) {
                AndroidPlatformInit.initTls(this@SmartHemsApplication)
                initLogging("info")
                try {
                    Startup.Ready(SmartHems(config(), phone, KeystoreSecureStore(this@SmartHemsApplication)))
                } catch (failed: SetupException) {
                    android.util.Log.e("SmartHems", "the core could not start", failed)
                    Startup.Failed(failed)
                }
            }
            startup.value = made
            if (made is Startup.Ready) made.core.start()
        }
        ProcessLifecycleOwner.get().lifecycle.addObserver(object : DefaultLifecycleObserver {
            /** The first start is the launch itself (`start()` covers it); later ones are returns. */
            private var launched = false

            override fun onStart(owner: LifecycleOwner) {
                val core = (startup.value as? Startup.Ready)?.core
                if (launched && core != null) scope.launch { core.appForegrounded() }
                launched = true
            }
        })
    }

    private fun config() = Config(
        issuer = BuildConfigValues.ISSUER,
        clientId = "smarthems-app",
        redirectUri = "jp.co.panasonic.smarthems:/oauth2redirect",
        cloudBaseUrl = BuildConfigValues.CLOUD_BASE_URL,
        databasePath = getDatabasePath("smarthems.db").path,
        language = if (Locale.getDefault().language == "ja") Language.JAPANESE else Language.ENGLISH,
        appVersion = packageManager.getPackageInfo(packageName, 0).versionName ?: "0",
        appId = packageName,
        googleClientId = "google-home",
        // Where the old app kept its Panasonic ID and スマートHEMSクラブ data.
        oldIdPaths = listOf(getDatabasePath("hems_club.db").path, filesDir.resolve("panasonic_id").path),
    )
}

/** The environment's endpoints; release builds point at Panasonic's servers. */
object BuildConfigValues {
    const val ISSUER = "https://club.panasonic.example/oidc"
    const val CLOUD_BASE_URL = "https://smarthems.panasonic.example/api/v1"
}
