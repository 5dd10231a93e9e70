package jp.co.panasonic.smarthems.app

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.browser.customtabs.CustomTabsIntent
import jp.co.panasonic.smarthems.core.AppFlipAnswer
import jp.co.panasonic.smarthems.core.Platform
import jp.co.panasonic.smarthems.core.PlatformException

/**
 * What only the phone can do: open the login page in Custom Tabs, the Google Home app, and store
 * pages. When nothing on the phone can open it, a callback throws [PlatformException.Failed]: the
 * core shows a notice where the user is (「ブラウザを開けませんでした」 and so on). Any other
 * exception reaches the core as `PlatformError::Unexpected`, never as an abort.
 */
class AndroidPhone(private val context: Context) : Platform {
    override fun openLoginPage(url: String) {
        val tab = CustomTabsIntent.Builder().setShowTitle(true).build()
        tab.intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        try {
            tab.launchUrl(context, Uri.parse(url))
        } catch (noBrowser: ActivityNotFoundException) {
            throw PlatformException.Failed("no browser for the login page: $noBrowser")
        }
    }

    /** Google Home at [link] (its linking page for this service), else the app, else its store page. */
    override fun openGoogleHome(link: String) {
        val deepLink = Intent(Intent.ACTION_VIEW, Uri.parse(link)).setPackage(GOOGLE_HOME)
        val launch = context.packageManager.getLaunchIntentForPackage(GOOGLE_HOME)
        try {
            context.startActivity(deepLink.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        } catch (noDeepLink: ActivityNotFoundException) {
            openInstalledOrStore(launch)
        }
    }

    /** This app's own page in Google Play: the update screen's 「ストアでアップデートする」. */
    override fun openStore() = openStorePage(context.packageName)

    private fun openInstalledOrStore(launch: Intent?) {
        try {
            context.startActivity((launch ?: throw ActivityNotFoundException()).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        } catch (notInstalled: ActivityNotFoundException) {
            openStorePage(GOOGLE_HOME)
        }
    }

    /** [pkg]'s page in the Play Store app, else on the Play website. */
    private fun openStorePage(pkg: String) {
        val store = Intent(Intent.ACTION_VIEW, Uri.parse("market://details?id=$pkg"))
        try {
            context.startActivity(store.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        } catch (noStore: ActivityNotFoundException) {
            val web = Intent(Intent.ACTION_VIEW, Uri.parse("https://play.google.com/store/apps/details?id=$pkg"))
            try {
                context.startActivity(web.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
            } catch (nothing: ActivityNotFoundException) {
                throw PlatformException.Failed("nothing can open the store page of $pkg: $nothing")
            }
        }
    }

    /** Where App Flip answers go: the AppFlipActivity waiting for one, if any. */
    @Volatile
    var appFlipReceiver: ((AppFlipAnswer) -> Unit)? = null

    override fun answerGoogle(answer: AppFlipAnswer) {
        appFlipReceiver?.invoke(answer)
    }

    private companion object {
        const val GOOGLE_HOME = "com.google.android.apps.chromecast.app"
    }
}
