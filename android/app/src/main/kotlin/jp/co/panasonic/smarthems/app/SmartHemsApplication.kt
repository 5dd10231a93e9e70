package jp.co.panasonic.smarthems.app

import android.app.Application
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.AndroidPlatformInit
import jp.co.panasonic.smarthems.core.Config
import jp.co.panasonic.smarthems.core.Language
import jp.co.panasonic.smarthems.core.SmartHems
import jp.co.panasonic.smarthems.core.initLogging
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.launch
import java.util.Locale

/** Holds the one core object for the process; tells it when the app comes back to the foreground. */
class SmartHemsApplication : Application() {
    lateinit var core: SmartHems
        private set
    val phone = AndroidPhone(this)
    val scope: CoroutineScope = MainScope()

    /**
     * A tap, handed to the core in the order of taps: the call starts on the caller's thread
     * (UNDISPATCHED), so a room typed on the device screen reaches the core before the 「次へ」
     * sent right after it. It runs in the application's scope, so closing a screen does not cancel it.
     */
    fun send(action: Action) {
        scope.launch(start = CoroutineStart.UNDISPATCHED) { core.tap(action) }
    }

    override fun onCreate() {
        super.onCreate()
        AndroidPlatformInit.initTls(this)
        initLogging("info")
        core = SmartHems(
            Config(
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
            ),
            phone,
            KeystoreSecureStore(this),
        )
        scope.launch { core.start() }
        ProcessLifecycleOwner.get().lifecycle.addObserver(object : DefaultLifecycleObserver {
            /** The first start is the launch itself (`start()` covers it); later ones are returns. */
            private var launched = false

            override fun onStart(owner: LifecycleOwner) {
                if (launched) scope.launch { core.appForegrounded() }
                launched = true
            }
        })
    }
}

/** The environment's endpoints; release builds point at Panasonic's servers. */
object BuildConfigValues {
    const val ISSUER = "https://club.panasonic.example/oidc"
    const val CLOUD_BASE_URL = "https://smarthems.panasonic.example/api/v1"
}
