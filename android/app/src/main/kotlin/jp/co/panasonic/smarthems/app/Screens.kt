package jp.co.panasonic.smarthems.app

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.navigationBarsPadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.TextFieldValue
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.Button as CoreButton
import jp.co.panasonic.smarthems.core.Screen
import jp.co.panasonic.smarthems.core.ScreenView
import jp.co.panasonic.smarthems.core.SmartHems
import jp.co.panasonic.smarthems.core.TextInput
import jp.co.panasonic.smarthems.core.screens
import kotlinx.coroutines.launch

/**
 * The whole UI: the screen the core says is current. Every word, button, order and rule comes
 * from the core's ScreenView; the shell only chooses a layout per kind of screen ([layoutOf]).
 */
@Composable
fun SmartHemsScreen(core: SmartHems) {
    val initial = remember(core) { core.screen() }
    val view by remember(core) { core.screens() }.collectAsStateWithLifecycle(initialValue = initial)
    val scope = rememberCoroutineScope()
    val send: (Action) -> Unit = { action -> scope.launch { core.tap(action) } }
    val layout = layoutOf(view.screen)
    MaterialTheme {
        Scaffold(
            bottomBar = {
                // A document scrolls; its answer buttons stay in reach below it.
                if (layout == Layout.Document) {
                    Surface(tonalElevation = 3.dp) {
                        Column(
                            Modifier.fillMaxWidth().navigationBarsPadding().padding(16.dp),
                            verticalArrangement = Arrangement.spacedBy(8.dp),
                        ) { Buttons(view.buttons, send) }
                    }
                }
            },
        ) { padding ->
            Column(
                Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                Text(view.title, style = MaterialTheme.typography.headlineSmall)
                view.notice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
                when (layout) {
                    Layout.Progress -> Progress(view)
                    Layout.Standard -> Standard(view, send)
                    Layout.TextEntry -> TextEntry(view, send)
                    Layout.Choices -> Choices(view, send)
                    Layout.Document -> Document(view)
                }
            }
        }
    }
}

/** The layouts the shell has; what goes in them comes from the core. */
private enum class Layout { Progress, Standard, TextEntry, Choices, Document }

/**
 * The layout of each kind of screen. Every kind is listed (no `else`), so a kind the core adds
 * does not compile until it is placed here. Most kinds are paragraphs and buttons and share
 * [Standard] on purpose: the core describes them completely.
 */
private fun layoutOf(screen: Screen): Layout = when (screen) {
    is Screen.Busy -> Layout.Progress
    is Screen.Nickname -> Layout.TextEntry
    is Screen.DeviceSelection -> Layout.Choices
    is Screen.AppTerms, is Screen.PrivacyPolicy, is Screen.SpeakerTerms, is Screen.AppFlipConsent -> Layout.Document
    is Screen.Welcome, is Screen.Login, is Screen.TermsDeclined, is Screen.SpeakerPrompt,
    is Screen.AccountLink, is Screen.Utterances, is Screen.HandOff, is Screen.WaitingForGoogleHome,
    is Screen.SpeakerDone, is Screen.Troubleshooting, is Screen.SpeakerCancelled, is Screen.Home,
    is Screen.Migration, is Screen.UpdateRequired, is Screen.Help, is Screen.Problem,
    -> Layout.Standard
}

/** Work in progress: a spinner and no buttons. */
@Composable
private fun Progress(view: ScreenView) {
    CircularProgressIndicator()
    view.body.forEach { Text(it) }
}

/** Paragraphs and buttons. */
@Composable
private fun Standard(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    view.input?.let { InputField(it, send) }
    Buttons(view.buttons, send)
}

/** A text to type (the nickname); the keyboard's Done key taps the screen's main button. */
@Composable
private fun TextEntry(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    val main = view.buttons.firstOrNull { it.primary && it.enabled }
    view.input?.let { InputField(it, send, onDone = main?.let { button -> { send(button.action) } }) }
    Buttons(view.buttons, send)
}

/** Terms and consents: the document; its buttons are in the bottom bar. */
@Composable
private fun Document(view: ScreenView) {
    view.body.forEach { Text(it, style = MaterialTheme.typography.bodyMedium) }
}

/**
 * A text field whose text stays local while the keyboard composes (Japanese input would break if
 * every keystroke waited for the core); each change of the text is sent to the core, which keeps
 * it and says what is wrong with it.
 */
@Composable
private fun InputField(input: TextInput, send: (Action) -> Unit, onDone: (() -> Unit)? = null) {
    var text by rememberSaveable(stateSaver = TextFieldValue.Saver) { mutableStateOf(TextFieldValue(input.value)) }
    OutlinedTextField(
        value = text,
        onValueChange = { next ->
            val changed = next.text != text.text
            text = next
            if (changed) send(Action.EditNickname(next.text))
        },
        label = { Text(input.label) },
        isError = input.error != null,
        supportingText = { input.error?.let { Text(it) } },
        singleLine = true,
        keyboardOptions = KeyboardOptions(imeAction = if (onDone != null) ImeAction.Done else ImeAction.Default),
        keyboardActions = KeyboardActions(onDone = { onDone?.invoke() }),
        modifier = Modifier.fillMaxWidth(),
    )
}

/** Device selection: check boxes under their category, each chosen device with its room. */
@Composable
private fun Choices(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    var section: String? = null
    view.buttons.forEach { button ->
        val heading = button.section
        if (heading != null && heading != section) {
            section = heading
            Text(heading, style = MaterialTheme.typography.titleMedium)
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
                            keyboardOptions = KeyboardOptions(imeAction = ImeAction.Done),
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
