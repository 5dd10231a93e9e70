package jp.co.panasonic.smarthems.app

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.co.panasonic.smarthems.core.SmartHems
import jp.co.panasonic.smarthems.core.screens
import jp.co.panasonic.smarthems.ui.SmartHemsScreen
import jp.co.panasonic.smarthems.ui.SmartHemsTheme

/**
 * An activity's content: nothing while the core is being made (the window's background), then the
 * screen the core says is current (collected only while the activity is started), drawn by the
 * `ui` module in the service's theme. Taps go to the core through the application, in order and
 * outliving the activity (a rotation does not cancel a tap); system back is the screen's back action.
 */
@Composable
fun SmartHemsContent(app: SmartHemsApplication) {
    val startup by app.state.collectAsStateWithLifecycle()
    SmartHemsTheme {
        when (val now = startup) {
            is Startup.Starting -> Unit
            is Startup.Ready -> CoreScreen(now.core, app)
            is Startup.Failed -> StartupFailed()
        }
    }
}

@Composable
private fun CoreScreen(core: SmartHems, app: SmartHemsApplication) {
    val initial = remember(core) { core.screen() }
    val view by remember(core) { core.screens() }.collectAsStateWithLifecycle(initialValue = initial)
    // System back (and the back gesture) sends the screen's back action; a screen without one
    // lets the system go back as usual (the app goes to the background and comes back here).
    val back = view.back
    BackHandler(enabled = back != null) { back?.let(app::send) }
    SmartHemsScreen(view, send = app::send)
}

/**
 * The one screen the core cannot describe: it could not be made (its database cannot be opened).
 * Its words are the app's resources (res/values, res/values-ja).
 */
@Composable
private fun StartupFailed() {
    Surface(Modifier.fillMaxSize()) {
        Column(
            Modifier.safeDrawingPadding().padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(
                stringResource(R.string.startup_failed_title),
                style = MaterialTheme.typography.headlineSmall,
                modifier = Modifier.semantics { heading() },
            )
            Text(stringResource(R.string.startup_failed_body))
        }
    }
}
