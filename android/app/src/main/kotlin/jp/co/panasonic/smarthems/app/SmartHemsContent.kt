package jp.co.panasonic.smarthems.app

import androidx.activity.compose.BackHandler
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.co.panasonic.smarthems.core.screens
import jp.co.panasonic.smarthems.ui.SmartHemsScreen
import jp.co.panasonic.smarthems.ui.SmartHemsTheme

/**
 * An activity's content: the screen the core says is current (collected only while the activity
 * is started), drawn by the `ui` module in the service's theme; taps go to the core through the
 * application, in order and outliving the activity (a rotation does not cancel a tap); system back
 * is the screen's back action.
 */
@Composable
fun SmartHemsContent(app: SmartHemsApplication) {
    val core = app.core
    val initial = remember(core) { core.screen() }
    val view by remember(core) { core.screens() }.collectAsStateWithLifecycle(initialValue = initial)
    // System back (and the back gesture) sends the screen's back action; a screen without one
    // lets the system go back as usual (the app goes to the background and comes back here).
    val back = view.back
    BackHandler(enabled = back != null) { back?.let(app::send) }
    SmartHemsTheme {
        SmartHemsScreen(view, send = app::send)
    }
}
