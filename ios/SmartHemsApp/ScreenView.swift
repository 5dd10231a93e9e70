import SwiftUI
import SmartHemsCore
import UIKit

/// The whole UI: the screen the core says is current. Every word, button, order and rule comes
/// from the core's ScreenView; the shell only chooses a layout per kind of screen (`ScreenLayout`).
struct ScreenView: View {
    @ObservedObject var model: ScreenModel

    var body: some View {
        let view = model.view
        let layout = ScreenLayout(view.screen)
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                // Back, where the core gives the screen one (none: nothing on it may be thrown away).
                if let back = view.back {
                    Button { model.tap(back) } label: {
                        Label(view.buttons.first { $0.action == back }?.label ?? "", systemImage: "chevron.backward")
                    }
                }
                // VoiceOver: the title is the screen's heading; a notice is read out when it appears.
                Text(view.title).font(.title2).bold().accessibilityAddTraits(.isHeader)
                if let notice = view.notice {
                    Text(notice).foregroundColor(.red)
                        .onAppear { UIAccessibility.post(notification: .announcement, argument: notice) }
                }
                switch layout {
                case .progress: BusyView(view: view)
                case .standard: Standard(view: view, tap: model.tap)
                case .textEntry: TextEntry(view: view, tap: model.tap)
                case .choices: DeviceList(view: view, tap: model.tap)
                case .document: DocumentView(view: view)
                }
            }
            .padding()
        }
        // The edge swipe iOS users go back with sends the same back action.
        .gesture(
            DragGesture(minimumDistance: 20).onEnded { drag in
                if drag.startLocation.x < 24, drag.translation.width > 80, let back = view.back { model.tap(back) }
            }
        )
        // A document scrolls; its answer buttons stay in reach below it.
        .safeAreaInset(edge: .bottom) {
            if layout == .document {
                VStack(spacing: 8) { Buttons(buttons: view.buttons, tap: model.tap) }
                    .padding()
                    .frame(maxWidth: .infinity)
                    .background(.bar)
            }
        }
    }
}

/// The layouts the shell has. Every kind of screen is listed (no `default`), so a kind the core
/// adds does not compile until it is placed here. Most kinds are paragraphs and buttons and share
/// `Standard` on purpose: the core describes them completely.
private enum ScreenLayout {
    case progress, standard, textEntry, choices, document

    init(_ screen: Screen) {
        switch screen {
        case .busy: self = .progress
        case .nickname: self = .textEntry
        case .deviceSelection: self = .choices
        case .appTerms, .privacyPolicy, .speakerTerms, .appFlipConsent: self = .document
        case .welcome, .login, .termsDeclined, .speakerPrompt, .accountLink, .utterances, .handOff,
             .waitingForGoogleHome, .speakerDone, .troubleshooting, .speakerCancelled, .newCodePrompt, .home,
             .migration, .updateRequired, .help, .problem:
            self = .standard
        }
    }
}

/// Work in progress: a spinner and no buttons.
private struct BusyView: View {
    let view: SmartHemsCore.ScreenView

    var body: some View {
        ProgressView()
        ForEach(view.body, id: \.self) { Text($0) }
    }
}

/// Paragraphs and buttons.
private struct Standard: View {
    let view: SmartHemsCore.ScreenView
    let tap: (Action) -> Void

    var body: some View {
        ForEach(view.body, id: \.self) { Text($0) }
        if let input = view.input { InputField(input: input, tap: tap, submit: nil) }
        Buttons(buttons: view.buttons, tap: tap)
    }
}

/// A text to type (the nickname); the keyboard's Done key taps the screen's main button.
private struct TextEntry: View {
    let view: SmartHemsCore.ScreenView
    let tap: (Action) -> Void

    var body: some View {
        ForEach(view.body, id: \.self) { Text($0) }
        if let input = view.input {
            InputField(input: input, tap: tap, submit: view.buttons.first { $0.primary && $0.enabled }?.action)
        }
        Buttons(buttons: view.buttons, tap: tap)
    }
}

/// Terms and consents: the document; its buttons are pinned below it.
private struct DocumentView: View {
    let view: SmartHemsCore.ScreenView

    var body: some View {
        ForEach(view.body, id: \.self) { Text($0).font(.callout) }
    }
}

/// A text field whose text stays local while the keyboard composes (Japanese marked text would
/// break if every keystroke waited for the core); each change is sent to the core, which keeps it
/// and says what is wrong with it.
private struct InputField: View {
    let input: TextInput
    let tap: (Action) -> Void
    let submit: Action?
    @State private var text: String

    init(input: TextInput, tap: @escaping (Action) -> Void, submit: Action?) {
        self.input = input
        self.tap = tap
        self.submit = submit
        _text = State(initialValue: input.value)
    }

    var body: some View {
        TextField(input.label, text: $text)
            .textFieldStyle(.roundedBorder)
            .submitLabel(submit == nil ? .return : .done)
            .onSubmit { if let submit { tap(submit) } }
            .onChange(of: text) { newValue in tap(.editNickname(text: newValue)) }
        if let error = input.error { Text(error).foregroundColor(.red).font(.footnote) }
    }
}

/// Device selection: check boxes under their category, each chosen device with its room.
private struct DeviceList: View {
    let view: SmartHemsCore.ScreenView
    let tap: (Action) -> Void

    var body: some View {
        ForEach(view.body, id: \.self) { Text($0) }
        ForEach(Array(view.buttons.enumerated()), id: \.offset) { index, button in
            if let section = button.section, index == 0 || view.buttons[index - 1].section != section {
                Text(section).font(.headline)
            }
            if let checked = button.checked {
                Toggle(isOn: Binding(get: { checked }, set: { _ in tap(button.action) })) {
                    VStack(alignment: .leading) {
                        Text(button.label)
                        if let detail = button.detail { Text(detail).font(.footnote) }
                        if let hint = button.hint { Text(hint).font(.footnote).foregroundColor(.orange) }
                        // The room (Google's roomHint): typed here, kept and checked by the core.
                        if checked, case let .toggleDevice(id) = button.action {
                            RoomField(placeholder: button.detail ?? "", room: button.value ?? "") { tap(.setRoom(id: id, room: $0)) }
                        }
                    }
                }
            } else {
                Buttons(buttons: [button], tap: tap)
            }
        }
    }
}

private struct Buttons: View {
    let buttons: [SmartHemsCore.Button]
    let tap: (Action) -> Void

    var body: some View {
        ForEach(Array(buttons.enumerated()), id: \.offset) { _, button in
            if button.primary {
                SwiftUI.Button(button.label) { tap(button.action) }.buttonStyle(.borderedProminent).disabled(!button.enabled)
            } else {
                SwiftUI.Button(button.label) { tap(button.action) }.buttonStyle(.bordered).disabled(!button.enabled)
            }
        }
    }
}

private struct RoomField: View {
    let placeholder: String
    let submit: (String) -> Void
    /// Starts from the room the core holds for the device.
    @State private var room: String

    init(placeholder: String, room: String, submit: @escaping (String) -> Void) {
        self.placeholder = placeholder
        self.submit = submit
        _room = State(initialValue: room)
    }

    var body: some View {
        TextField(placeholder, text: $room).textFieldStyle(.roundedBorder).onSubmit { submit(room) }
    }
}
