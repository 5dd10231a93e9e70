package jp.co.panasonic.smarthems.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.consumeWindowInsets
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.imePadding
import androidx.compose.foundation.layout.navigationBarsPadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
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
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.focus.onFocusChanged
import androidx.compose.ui.platform.LocalFocusManager
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.paneTitle
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.TextFieldValue
import androidx.compose.ui.unit.dp
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.Button as CoreButton
import jp.co.panasonic.smarthems.core.Screen
import jp.co.panasonic.smarthems.core.ScreenView
import jp.co.panasonic.smarthems.core.TextInput

/**
 * The whole UI: the screen the core says is current. Every word, button, order and rule comes
 * from the core's [ScreenView]; the shell only chooses a layout per kind of screen ([layoutOf]).
 *
 * [send] hands an action to the core; it must deliver actions in the order they are sent (the
 * device screen sends a room typed but not yet saved before 「次へ」). Put this inside
 * [SmartHemsTheme].
 */
@Composable
fun SmartHemsScreen(view: ScreenView, send: (Action) -> Unit, modifier: Modifier = Modifier) {
    val layout = layoutOf(view.screen)
    // Rooms typed on the device screen and not sent yet; any other tap sends them first.
    val rooms = remember { RoomEdits() }
    val tap: (Action) -> Unit = { action ->
        if (action !is Action.SetRoom) rooms.sendAll(send)
        send(action)
    }
    // A new screen starts at its top, with its own fields.
    key(view.screen) {
        Scaffold(
            // TalkBack announces the new screen by its title.
            modifier = modifier.semantics { paneTitle = view.title },
            bottomBar = {
                // Answers to a document, and 「次へ」 under a long device list, stay in reach.
                val bar = view.buttons.filter { inBottomBar(layout, it) }
                if (bar.isNotEmpty()) {
                    Surface(tonalElevation = 3.dp, shadowElevation = 3.dp) {
                        Column(
                            Modifier.fillMaxWidth().navigationBarsPadding().padding(16.dp),
                            verticalArrangement = Arrangement.spacedBy(8.dp),
                        ) { bar.forEach { ActionButton(it, tap) } }
                    }
                }
            },
        ) { padding ->
            val content = Modifier.fillMaxSize().padding(padding).consumeWindowInsets(padding).imePadding()
            if (layout == Layout.Choices) {
                Choices(view, rooms, tap, content)
            } else {
                Column(
                    content.verticalScroll(rememberScrollState()).padding(16.dp),
                    verticalArrangement = Arrangement.spacedBy(12.dp),
                ) {
                    Header(view)
                    when (layout) {
                        Layout.Progress -> Progress(view)
                        Layout.Standard -> Standard(view, tap)
                        Layout.TextEntry -> TextEntry(view, tap)
                        Layout.Document -> Document(view)
                        Layout.Choices -> Unit
                    }
                    // Every button not in the bottom bar, in the core's order.
                    view.buttons.filterNot { inBottomBar(layout, it) }.forEach { button ->
                        if (button.checked != null) CheckRow(button, rooms, tap) else ActionButton(button, tap)
                    }
                }
            }
        }
    }
}

/** The layouts the shell has; what goes in them comes from the core. */
internal enum class Layout { Progress, Standard, TextEntry, Choices, Document }

/**
 * The layout of each kind of screen. Every kind is listed (no `else`), so a kind the core adds
 * does not compile until it is placed here. Most kinds are paragraphs and buttons and share
 * [Standard] on purpose: the core describes them completely.
 */
internal fun layoutOf(screen: Screen): Layout = when (screen) {
    is Screen.Busy -> Layout.Progress
    is Screen.Nickname -> Layout.TextEntry
    is Screen.DeviceSelection -> Layout.Choices
    is Screen.AppTerms, is Screen.PrivacyPolicy, is Screen.SpeakerTerms, is Screen.AppFlipConsent -> Layout.Document
    is Screen.Welcome, is Screen.Login, is Screen.TermsDeclined, is Screen.SpeakerPrompt,
    is Screen.AccountLink, is Screen.Utterances, is Screen.HandOff, is Screen.WaitingForGoogleHome,
    is Screen.SpeakerDone, is Screen.Troubleshooting, is Screen.SpeakerCancelled, is Screen.NewCodePrompt,
    is Screen.Home,
    is Screen.Migration, is Screen.UpdateRequired, is Screen.Help, is Screen.Problem,
    -> Layout.Standard
}

/** Buttons drawn in the bottom bar instead of in the scrolling content. */
private fun inBottomBar(layout: Layout, button: CoreButton) = button.checked == null && when (layout) {
    Layout.Document -> true
    Layout.Choices -> button.primary
    Layout.Progress, Layout.Standard, Layout.TextEntry -> false
}

/** The title (a heading for TalkBack) and the notice, which is announced when it appears. */
@Composable
private fun Header(view: ScreenView) {
    Text(view.title, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
    view.notice?.let {
        Text(
            it,
            color = MaterialTheme.colorScheme.error,
            modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
        )
    }
}

/** Work in progress: a spinner (the core sends no buttons). */
@Composable
private fun Progress(view: ScreenView) {
    CircularProgressIndicator()
    view.body.forEach { Text(it) }
}

/** Paragraphs (the buttons follow). */
@Composable
private fun Standard(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    view.input?.let { InputField(it, send) }
}

/** A text to type (the nickname); the keyboard's Done key taps the screen's main button. */
@Composable
private fun TextEntry(view: ScreenView, send: (Action) -> Unit) {
    view.body.forEach { Text(it) }
    val main = view.buttons.firstOrNull { it.primary && it.enabled }
    view.input?.let { InputField(it, send, onDone = main?.let { button -> { send(button.action) } }) }
}

/** Terms and consents: the document; its answer buttons are in the bottom bar. */
@Composable
private fun Document(view: ScreenView) {
    view.body.forEach { Text(it, style = MaterialTheme.typography.bodyMedium) }
}

/**
 * A text field whose text stays local while the keyboard composes (Japanese input would break if
 * every keystroke waited for the core); each change of the text is sent to the core, which keeps
 * it and says what is wrong with it (read out by TalkBack as the field's error).
 */
@Composable
private fun InputField(input: TextInput, send: (Action) -> Unit, onDone: (() -> Unit)? = null) {
    var text by rememberSaveable(stateSaver = TextFieldValue.Saver) { mutableStateOf(TextFieldValue(input.value)) }
    val error = input.error
    OutlinedTextField(
        value = text,
        onValueChange = { next ->
            val changed = next.text != text.text
            text = next
            if (changed) send(Action.EditNickname(next.text))
        },
        label = { Text(input.label) },
        isError = error != null,
        supportingText = error?.let { { Text(it) } },
        singleLine = true,
        keyboardOptions = KeyboardOptions(imeAction = if (onDone != null) ImeAction.Done else ImeAction.Default),
        keyboardActions = KeyboardActions(onDone = { onDone?.invoke() }),
        modifier = Modifier.fillMaxWidth().semantics { if (error != null) error(error) },
    )
}

/**
 * Device selection, as a lazy list (an AiSEG2 may have hundreds of devices): check boxes under
 * their category headings, each chosen device with its room; 「次へ」 is in the bottom bar.
 */
@Composable
private fun Choices(view: ScreenView, rooms: RoomEdits, send: (Action) -> Unit, modifier: Modifier) {
    val rows = remember(view.buttons) { choiceRows(view.buttons) }
    LazyColumn(
        modifier,
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        item(key = "header") {
            Column(verticalArrangement = Arrangement.spacedBy(12.dp)) {
                Header(view)
                view.body.forEach { Text(it) }
            }
        }
        rows.forEach { row ->
            when (row) {
                is ChoiceRow.Heading -> item(key = row.key) {
                    Text(
                        row.text,
                        style = MaterialTheme.typography.titleMedium,
                        color = MaterialTheme.colorScheme.primary,
                        modifier = Modifier.padding(top = 8.dp).semantics { heading() },
                    )
                }
                is ChoiceRow.Check -> item(key = row.key) { CheckRow(row.button, rooms, send) }
                is ChoiceRow.Plain -> item(key = row.key) { ActionButton(row.button, send) }
            }
        }
    }
}

/** What the device list shows, in the core's order, with a heading where the category changes. */
private sealed class ChoiceRow(val key: String) {
    class Heading(key: String, val text: String) : ChoiceRow(key)
    class Check(key: String, val button: CoreButton) : ChoiceRow(key)
    class Plain(key: String, val button: CoreButton) : ChoiceRow(key)
}

private fun choiceRows(buttons: List<CoreButton>): List<ChoiceRow> {
    val rows = ArrayList<ChoiceRow>(buttons.size + 8)
    val keys = HashSet<String>()
    fun unique(key: String) = if (keys.add(key)) key else "$key#${keys.size}".also { keys.add(it) }
    var section: String? = null
    buttons.forEachIndexed { index, button ->
        if (inBottomBar(Layout.Choices, button)) return@forEachIndexed
        val heading = button.section
        if (heading != null && heading != section) {
            section = heading
            rows += ChoiceRow.Heading(unique("section:$heading"), heading)
        }
        val key = tagOf(button.action) ?: "button:$index"
        rows += if (button.checked != null) ChoiceRow.Check(unique(key), button) else ChoiceRow.Plain(unique(key), button)
    }
    return rows
}

/**
 * The identity of a device or category check box: its key in the lazy list, and its test tag (two
 * devices may have the same name; only their ids tell them apart).
 */
internal fun tagOf(action: Action): String? = when (action) {
    is Action.ToggleDevice -> "device:${action.id}"
    is Action.ToggleCategory -> "category:${action.category}"
    else -> null
}

/**
 * A check box row: the whole row toggles it, and TalkBack reads it as one check box with its
 * name, room and warning. A chosen device has a field for its room below the row.
 */
@Composable
private fun CheckRow(button: CoreButton, rooms: RoomEdits, send: (Action) -> Unit) {
    val checked = button.checked == true
    val device = button.action as? Action.ToggleDevice
    val hasRoomField = device != null && checked
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Row(
            Modifier
                .then(tagOf(button.action)?.let { Modifier.testTag(it) } ?: Modifier)
                .fillMaxWidth()
                .heightIn(min = 48.dp)
                .toggleable(value = checked, enabled = button.enabled, role = Role.Checkbox) { send(button.action) },
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(checked = checked, onCheckedChange = null, enabled = button.enabled)
            Spacer(Modifier.width(12.dp))
            Column(Modifier.weight(1f)) {
                Text(button.label)
                // A chosen device's room is the label of its room field instead.
                if (!hasRoomField) button.detail?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                button.hint?.let { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
            }
        }
        if (hasRoomField) RoomField(device.id, button.detail.orEmpty(), button.value, rooms, send)
    }
}

/**
 * The room (Google's roomHint) of a chosen device: typed here, kept and checked by the core. What
 * was typed is sent when the keyboard's Done is pressed, when the field loses focus, and before
 * any other tap (such as 「次へ」).
 */
@Composable
private fun RoomField(id: String, label: String, current: String?, rooms: RoomEdits, send: (Action) -> Unit) {
    val focus = LocalFocusManager.current
    OutlinedTextField(
        // What is being typed, else the room the core holds for the device.
        value = rooms.text[id] ?: current.orEmpty(),
        onValueChange = { rooms.edit(id, it) },
        label = { Text(label) },
        singleLine = true,
        keyboardOptions = KeyboardOptions(imeAction = ImeAction.Done),
        keyboardActions = KeyboardActions(onDone = {
            rooms.send(id, send)
            focus.clearFocus()
        }),
        modifier = Modifier
            .fillMaxWidth()
            .padding(start = 48.dp)
            .onFocusChanged { if (!it.isFocused) rooms.send(id, send) },
    )
}

/** Rooms as typed on the device screen, and which of them the core has not been sent yet. */
private class RoomEdits {
    val text = mutableStateMapOf<String, String>()
    private val unsent = LinkedHashSet<String>()

    fun edit(id: String, room: String) {
        text[id] = room
        unsent += id
    }

    fun send(id: String, send: (Action) -> Unit) {
        if (unsent.remove(id)) send(Action.SetRoom(id, text[id].orEmpty()))
    }

    fun sendAll(send: (Action) -> Unit) {
        unsent.toList().forEach { send(it, send) }
    }
}

@Composable
private fun ActionButton(button: CoreButton, send: (Action) -> Unit) {
    val modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)
    if (button.primary) {
        Button(onClick = { send(button.action) }, enabled = button.enabled, modifier = modifier) { Text(button.label) }
    } else {
        OutlinedButton(onClick = { send(button.action) }, enabled = button.enabled, modifier = modifier) { Text(button.label) }
    }
    button.hint?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
}
