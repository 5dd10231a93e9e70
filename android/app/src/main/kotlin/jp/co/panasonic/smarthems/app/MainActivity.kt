package jp.co.panasonic.smarthems.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import kotlinx.coroutines.launch

/** Renders what the core shows and hands it the links the system delivers (redirect, 2D code). */
class MainActivity : ComponentActivity() {
    private val app get() = application as SmartHemsApplication

    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        // A re-created activity (rotation, return from the background) has handed its link already.
        if (savedInstanceState == null) handleLink(intent)
        setContent { SmartHemsContent(app) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handleLink(intent)
    }

    /** Any link goes to the core, which validates it before acting on it. */
    private fun handleLink(intent: Intent?) {
        val url = intent?.takeIf { it.action == Intent.ACTION_VIEW }?.dataString ?: return
        // The application's scope: the link is handed over even if this activity goes meanwhile.
        app.scope.launch { app.core().openUrl(url) }
    }
}
