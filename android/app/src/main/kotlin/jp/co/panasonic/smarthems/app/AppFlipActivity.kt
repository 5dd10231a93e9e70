package jp.co.panasonic.smarthems.app

import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.content.pm.Signature
import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.addCallback
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.lifecycle.lifecycleScope
import java.security.MessageDigest
import jp.co.panasonic.smarthems.core.AppFlipAnswer
import jp.co.panasonic.smarthems.core.AppFlipRequest
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch

/**
 * App Flip: Google Home starts this activity for a result to have the signed-in user approve the
 * account link. The shell only checks who is calling (package and signing certificate — things
 * only Android knows); the core checks the request, shows the consent screen and produces the
 * answer, which this activity returns as the result.
 *
 * The result follows Google's "App Flip for Android" (response data: resultCode, AUTHORIZATION_CODE,
 * ERROR_TYPE, ERROR_CODE, ERROR_DESCRIPTION), https://developers.google.com/identity/account-linking/app-flip-android,
 * with the values of Google's sample googlesamples/identity-appflip-android (AppFlipActivity.java):
 * - approved: RESULT_OK with AUTHORIZATION_CODE;
 * - the user tapped 「キャンセル」 (or went back): RESULT_CANCELED — the user cancelled;
 * - the app cannot approve now (nobody is signed in, an update is required, or the approval could
 *   not reach the cloud): result -2 with ERROR_TYPE 1, a recoverable error, so Google continues
 *   with its web (OAuth) linking flow ("send a recoverable error to Google so the user can sign
 *   in … with OAuth linking", https://developers.home.google.com/cloud-to-cloud/enhancements/app-flip,
 *   design guidelines);
 * - a request the core refused (wrong client, redirect or caller): result -2 with ERROR_TYPE 3,
 *   invalid request.
 * The core decides which case it is (Approved, Declined, Unavailable, Refused); this activity only
 * translates the answer into Android's result.
 */
class AppFlipActivity : ComponentActivity() {
    private val app get() = application as SmartHemsApplication

    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        app.phone.appFlipReceiver = { answer -> runOnUiThread { finishWith(answer) } }
        val request = AppFlipRequest(
            clientId = intent.getStringExtra(EXTRA_CLIENT_ID).orEmpty(),
            scope = intent.getStringArrayExtra(EXTRA_SCOPE)?.joinToString(" ") ?: intent.getStringExtra(EXTRA_SCOPE).orEmpty(),
            state = intent.getStringExtra("STATE") ?: "app-flip",
            redirectUri = intent.getStringExtra(EXTRA_REDIRECT_URI).orEmpty(),
            callerVerified = callerIsGoogle(),
        )
        // Once per request: a re-created activity (rotation) has asked the core already.
        if (savedInstanceState == null) {
            lifecycleScope.launch {
                when (val startup = app.state.first { it !is Startup.Starting }) {
                    // In the application's scope: the answer comes back through appFlipReceiver.
                    is Startup.Ready -> app.scope.launch { startup.core.appFlip(request) }
                    // No core to ask: Google Home goes on with its web linking.
                    else -> {
                        setResult(RESULT_ERROR, errorResult(ERROR_TYPE_RECOVERABLE, CODE_UNAVAILABLE, "the app could not start"))
                        finish()
                    }
                }
            }
        }
        // Back: the screen's back action when it has one (SmartHemsContent's BackHandler, which
        // comes first; on the consent screen it is 「キャンセル」, and the core answers Declined);
        // otherwise Google Home gets RESULT_CANCELED.
        onBackPressedDispatcher.addCallback(this) {
            setResult(Activity.RESULT_CANCELED)
            finish()
        }
        setContent { SmartHemsContent(app) }
    }

    override fun onDestroy() {
        app.phone.appFlipReceiver = null
        super.onDestroy()
    }

    private fun finishWith(answer: AppFlipAnswer) {
        if (isFinishing) return
        when (answer) {
            is AppFlipAnswer.Approved ->
                setResult(Activity.RESULT_OK, Intent().putExtra(EXTRA_AUTHORIZATION_CODE, answer.code))
            is AppFlipAnswer.Declined -> setResult(Activity.RESULT_CANCELED)
            is AppFlipAnswer.Unavailable ->
                setResult(RESULT_ERROR, errorResult(ERROR_TYPE_RECOVERABLE, CODE_UNAVAILABLE, "the app cannot approve now"))
            is AppFlipAnswer.Refused ->
                setResult(RESULT_ERROR, errorResult(ERROR_TYPE_INVALID_REQUEST, CODE_REFUSED, "request refused"))
        }
        finish()
    }

    private fun errorResult(type: Int, code: Int, description: String) = Intent()
        .putExtra(EXTRA_ERROR_TYPE, type)
        .putExtra(EXTRA_ERROR_CODE, code)
        .putExtra(EXTRA_ERROR_DESCRIPTION, description)

    /** Google's app, signed with Google's certificate, and nothing else. */
    private fun callerIsGoogle(): Boolean {
        val caller = callingActivity?.packageName ?: return false
        if (caller !in GOOGLE_PACKAGES) return false
        // Fails closed: with no fingerprint configured, no caller is trusted.
        val trusted = getString(R.string.google_app_flip_signing_sha256).split(',').map { it.trim() }.filter { it.isNotEmpty() }
        val signers = try {
            signers(caller)
        } catch (notInstalled: PackageManager.NameNotFoundException) {
            return false
        } ?: return false
        return signers.any { sha256(it.toByteArray()) in trusted }
    }

    /** The caller's signing certificates (SigningInfo from API 28; minSdk is 26). */
    @Suppress("DEPRECATION")
    private fun signers(pkg: String): Array<Signature>? =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            packageManager.getPackageInfo(pkg, PackageManager.GET_SIGNING_CERTIFICATES).signingInfo?.apkContentsSigners
        } else {
            packageManager.getPackageInfo(pkg, PackageManager.GET_SIGNATURES).signatures
        }

    private fun sha256(bytes: ByteArray) =
        MessageDigest.getInstance("SHA-256").digest(bytes).joinToString(":") { "%02X".format(it) }

    private companion object {
        val GOOGLE_PACKAGES = setOf("com.google.android.googlequicksearchbox", "com.google.android.apps.chromecast.app")
        // Extras and values of Google's App Flip contract (see the class comment).
        const val EXTRA_CLIENT_ID = "CLIENT_ID"
        const val EXTRA_SCOPE = "SCOPE"
        const val EXTRA_REDIRECT_URI = "REDIRECT_URI"
        const val EXTRA_AUTHORIZATION_CODE = "AUTHORIZATION_CODE"
        const val EXTRA_ERROR_TYPE = "ERROR_TYPE"
        const val EXTRA_ERROR_CODE = "ERROR_CODE"
        const val EXTRA_ERROR_DESCRIPTION = "ERROR_DESCRIPTION"
        const val RESULT_ERROR = -2
        const val ERROR_TYPE_RECOVERABLE = 1
        const val ERROR_TYPE_INVALID_REQUEST = 3
        // ERROR_CODE values chosen by this app (Google's sample passes any integer with these types).
        const val CODE_UNAVAILABLE = 1
        const val CODE_REFUSED = 2
    }
}
