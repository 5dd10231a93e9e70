package jp.co.panasonic.smarthems.app

import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.lifecycle.lifecycleScope
import java.security.MessageDigest
import jp.co.panasonic.smarthems.core.AppFlipAnswer
import jp.co.panasonic.smarthems.core.AppFlipRequest
import kotlinx.coroutines.launch

/**
 * App Flip: Google Home starts this activity for a result to have the signed-in user approve the
 * account link. The shell only checks who is calling (package and signing certificate — things
 * only Android knows); the core checks the request, shows the consent screen and produces the
 * answer, which this activity returns as the result.
 */
class AppFlipActivity : ComponentActivity() {
    private val app get() = application as SmartHemsApplication

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        app.phone.appFlipReceiver = { answer -> runOnUiThread { finishWith(answer) } }
        val request = AppFlipRequest(
            clientId = intent.getStringExtra("CLIENT_ID").orEmpty(),
            scope = intent.getStringArrayExtra("SCOPE")?.joinToString(" ") ?: intent.getStringExtra("SCOPE").orEmpty(),
            state = intent.getStringExtra("STATE") ?: "app-flip",
            redirectUri = intent.getStringExtra("REDIRECT_URI").orEmpty(),
            callerVerified = callerIsGoogle(),
        )
        lifecycleScope.launch { app.core.appFlip(request) }
        setContent { SmartHemsScreen(app.core) }
    }

    override fun onDestroy() {
        app.phone.appFlipReceiver = null
        super.onDestroy()
    }

    private fun finishWith(answer: AppFlipAnswer) {
        when (answer) {
            is AppFlipAnswer.Approved -> setResult(Activity.RESULT_OK, Intent().putExtra("AUTHORIZATION_CODE", answer.code))
            is AppFlipAnswer.Declined -> setResult(Activity.RESULT_CANCELED, error(ERROR_USER_CANCELLED, "user cancelled"))
            is AppFlipAnswer.Refused -> setResult(Activity.RESULT_CANCELED, error(ERROR_INVALID_REQUEST, "request refused"))
        }
        finish()
    }

    private fun error(code: Int, description: String) = Intent()
        .putExtra("ERROR_TYPE", 1)
        .putExtra("ERROR_CODE", code)
        .putExtra("ERROR_DESCRIPTION", description)

    /** Google's app, signed with Google's certificate, and nothing else. */
    private fun callerIsGoogle(): Boolean {
        val caller = callingActivity?.packageName ?: return false
        if (caller !in GOOGLE_PACKAGES) return false
        val info = packageManager.getPackageInfo(caller, PackageManager.GET_SIGNING_CERTIFICATES)
        val signers = info.signingInfo?.apkContentsSigners ?: return false
        // Fails closed: with no fingerprint configured, no caller is trusted.
        val trusted = getString(R.string.google_app_flip_signing_sha256).split(',').map { it.trim() }.filter { it.isNotEmpty() }
        return signers.any { sha256(it.toByteArray()) in trusted }
    }

    private fun sha256(bytes: ByteArray) =
        MessageDigest.getInstance("SHA-256").digest(bytes).joinToString(":") { "%02X".format(it) }

    private companion object {
        val GOOGLE_PACKAGES = setOf("com.google.android.googlequicksearchbox", "com.google.android.apps.chromecast.app")
        const val ERROR_USER_CANCELLED = 1
        const val ERROR_INVALID_REQUEST = 2
    }
}
