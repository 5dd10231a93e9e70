package jp.co.panasonic.smarthems.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.launch

/** Renders what the core shows and hands it the links the system delivers (redirect, 2D code). */
class MainActivity : ComponentActivity() {
    private val app get() = application as SmartHemsApplication

    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        handleLink(intent)
        setContent { SmartHemsContent(app) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handleLink(intent)
    }

    /** Any link goes to the core, which validates it before acting on it. */
    private fun handleLink(intent: Intent?) {
        val url = intent?.takeIf { it.action == Intent.ACTION_VIEW }?.dataString ?: return
        lifecycleScope.launch { app.core.openUrl(url) }
    }
}
