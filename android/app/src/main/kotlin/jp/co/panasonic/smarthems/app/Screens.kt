package jp.co.panasonic.smarthems.app

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.Button as CoreButton
import jp.co.panasonic.smarthems.core.Screen
import jp.co.panasonic.smarthems.core.ScreenView
import jp.co.panasonic.smarthems.core.SmartHems
import jp.co.panasonic.smarthems.core.screens
import kotlinx.coroutines.launch

/**
 * The whole UI: the screen the core says is current. One composable per kind of screen; every
 * word, button, order and rule comes from the core's ScreenView.
 */
@Composable
fun SmartHemsScreen(core: SmartHems) {
    val view = remember(core) { core.screens() }.collectAsState(initial = core.screen()).value
    val scope = rememberCoroutineScope()
    val send: (Action) -> Unit = { action -> scope.launch { core.tap(action) } }
    MaterialTheme {
        Scaffold { padding ->
            Column(
                Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                Text(view.title, style = MaterialTheme.typography.headlineSmall)
                view.notice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
                when (view.screen) {
                    is Screen.Busy -> Busy(view)
                    is Screen.DeviceSelection -> DeviceSelection(view, send)
                    is Screen.AppTerms, is Screen.PrivacyPolicy, is Screen.SpeakerTerms -> TermsText(view, send)
                    else -> Standard(view, send)
                }
            }
        }
    }
}

@Composable
private fun Busy(view: ScreenView) {
    CircularProgressIndicator()
    view.body.forEach { Text(it) }
}

@Composable
private fun Standard(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    view.input?.let { input ->
        OutlinedTextField(
            value = input.value,
            onValueChange = { send(Action.EditNickname(it)) },
            label = { Text(input.label) },
            isError = input.error != null,
            supportingText = { input.error?.let { Text(it) } },
            modifier = Modifier.fillMaxWidth(),
        )
    }
    Buttons(view.buttons, send)
}

@Composable
private fun TermsText(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it, style = MaterialTheme.typography.bodySmall) }
    Buttons(view.buttons, send)
}

@Composable
private fun DeviceSelection(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    var section: String? = null
    view.buttons.forEach { button ->
        if (button.section != null && button.section != section) {
            section = button.section
            Text(button.section!!, style = MaterialTheme.typography.titleMedium)
        }
        if (button.checked != null) {
            Row {
                Checkbox(checked = button.checked == true, onCheckedChange = { send(button.action) })
                Column {
                    Text(button.label)
                    button.detail?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                    button.hint?.let { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
                    // The room (Google's roomHint): typed here, kept and checked by the core.
                    val device = button.action as? Action.ToggleDevice
                    if (device != null && button.checked == true) {
                        var room by remember(device.id) { mutableStateOf("") }
                        OutlinedTextField(
                            value = room,
                            onValueChange = { room = it },
                            label = { Text(button.detail ?: "") },
                            singleLine = true,
                            keyboardActions = KeyboardActions(onDone = { send(Action.SetRoom(device.id, room)) }),
                        )
                    }
                }
            }
        } else {
            Buttons(listOf(button), send)
        }
    }
}

@Composable
private fun Buttons(buttons: List<CoreButton>, send: (Action) -> Unit) {
    buttons.filter { it.checked == null }.forEach { button ->
        if (button.primary) {
            Button(onClick = { send(button.action) }, enabled = button.enabled, modifier = Modifier.fillMaxWidth()) { Text(button.label) }
        } else {
            OutlinedButton(onClick = { send(button.action) }, enabled = button.enabled, modifier = Modifier.fillMaxWidth()) { Text(button.label) }
        }
    }
}
