//! The flow's graph, found by exploring `update` from a fresh install.
//!
//! Every reachable state is visited by trying each button it shows, a restart, a stray link, what
//! other parties can hand the app on that screen (a 2D code, an App Flip request) and, for each
//! effect, every answer the world could give (`outcomes`). The result draws
//! `docs/flow.md` and proves that no state is a dead end.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::{
    offered, update, view, Account, Action, Category, Device, Effect, Event, Failure, IncomingUrl, Language,
    RegistrationCode, Screen, State, Terms, UpdateNeed, UpdateTarget,
};

/// The terms as checked at login: the version this user accepted, nothing registered.
fn checked(terms: &Terms, accepted: Option<&str>) -> Event {
    let accepted = accepted.map(Into::into);
    Event::TermsChecked { terms: terms.clone(), accepted, legacy_speaker_user: false, found: None, elsewhere: vec![] }
}

/// Every answer the world could give to an effect, in this state. A few rare answers (an update
/// needed) are tried only from the screens where launches usually land, which keeps the explored
/// space small without losing a kind of path.
pub fn outcomes(state: &State, effect: &Effect) -> Vec<Event> {
    let landing = matches!(state.screen, Screen::Welcome | Screen::Home { .. } | Screen::Nickname);
    let fail = |f: Failure| Event::Failed(f);
    let terms = Terms { version: "2".into(), title: "規約".into(), body: String::new() };
    match effect {
        Effect::OpenLogin { .. } => vec![Event::LoginOpened, fail(Failure::Offline), fail(Failure::Untrusted)],
        // One account and no old-speaker flag: a second person and the 6-B note change no screen
        // order (unit tests cover them), and exploring them would only multiply the states.
        Effect::FinishLogin(_) => vec![
            Event::SignedIn(Account { subject: "a".into(), display_name: "A".into() }),
            fail(Failure::LoginCancelled),
            fail(Failure::LoginRejected),
            fail(Failure::RedirectRefused),
            fail(Failure::Offline),
            fail(Failure::ServiceTrouble),
        ],
        Effect::ForgetLogin => vec![],
        Effect::CheckTerms => vec![
            // A registration found in the cloud (logged in again, or on another phone) is
            // unit-tested and has features: explored, it would triple the states (every later
            // step again with that registration).
            checked(&terms, None),
            checked(&terms, Some("1")),
            checked(&terms, Some("2")),
            fail(Failure::Offline),
            fail(Failure::ServiceTrouble),
            fail(Failure::SessionExpired),
        ],
        Effect::SaveConsent { .. } => vec![
            Event::ConsentSaved,
            fail(Failure::Offline),
            fail(Failure::ServiceTrouble),
            fail(Failure::SessionExpired),
            fail(Failure::TermsOutdated),
        ],
        Effect::SignOut => vec![Event::SignedOut],
        Effect::LoadTerms(kind) => {
            vec![Event::TermsLoaded { kind: *kind, terms }, fail(Failure::Offline), fail(Failure::ServiceTrouble)]
        }
        Effect::LoadDevices => vec![
            Event::DevicesLoaded(vec![
                Device { id: "ac".into(), name: "エアコン".into(), category: Category::AirConditioner },
                Device { id: "li".into(), name: "照明1".into(), category: Category::Light },
            ]),
            Event::DevicesLoaded(vec![]),
            fail(Failure::Offline),
            fail(Failure::SessionExpired),
        ],
        Effect::Register(_) => vec![
            Event::Registered,
            fail(Failure::Offline),
            fail(Failure::ServiceTrouble),
            fail(Failure::SessionExpired),
            fail(Failure::TermsOutdated),
            fail(Failure::NicknameRefused),
            fail(Failure::NicknameTaken),
            fail(Failure::DevicesChanged),
        ],
        Effect::OpenGoogleHome
        | Effect::OpenStore
        | Effect::KeepCode(_)
        | Effect::HoldCode(_)
        | Effect::UseHeldCode
        | Effect::DropHeldCode
        | Effect::AnswerGoogle(_) => vec![],
        Effect::AuthorizeGoogle(_) => vec![
            Event::AppFlipAnswered,
            fail(Failure::Offline),
            fail(Failure::SessionExpired),
            fail(Failure::NotRegistered),
        ],
        Effect::ClaimCode => {
            vec![Event::CodeClaimed, fail(Failure::CodeExpired), fail(Failure::Offline), fail(Failure::SessionExpired)]
        }
        Effect::CheckOldId => vec![Event::OldIdChecked { found: true }, Event::OldIdChecked { found: false }],
        Effect::WipeOldId => vec![Event::OldIdWiped],
        Effect::CheckVersions if landing || matches!(state.screen, Screen::UpdateRequired { .. }) => vec![
            Event::VersionsChecked { need: None },
            Event::VersionsChecked {
                need: Some(UpdateNeed {
                    target: UpdateTarget::Firmware,
                    installed: "2.79".into(),
                    required: "2.80".into(),
                }),
            },
        ],
        Effect::CheckVersions => vec![Event::VersionsChecked { need: None }],
        Effect::LoadHelp => vec![Event::HelpLoaded { support: super::support::built_in(), now: 0 }],
        Effect::CheckLink => vec![
            Event::LinkChecked { linked: true },
            Event::LinkChecked { linked: false },
            fail(Failure::Offline),
            fail(Failure::SessionExpired),
        ],
    }
}

/// Events worth trying in a state: its buttons, typing a name, a restart, a
/// link from outside and coming back to the foreground.
fn inputs(state: &State) -> Vec<Event> {
    let mut events: Vec<Event> = offered(state).into_iter().map(|offer| Event::Tap(offer.action)).collect();
    if state.screen == Screen::Nickname {
        // A valid name; the refusals are unit-tested (nickname/), and exploring them too would only
        // multiply the states.
        events.push(Event::Tap(Action::EditNickname { text: "Taro".into() }));
    }
    events.push(Event::Launched);
    events.push(Event::Foregrounded);
    // A redirect acts only where a login is awaited (the login screen, or help over it); elsewhere
    // it only sets a notice (unit-tested), so it is tried there and where launches land.
    if matches!(state.screen, Screen::Login | Screen::Help { .. } | Screen::Welcome | Screen::Home { .. }) {
        events.push(Event::Incoming(IncomingUrl("app:/redirect".into())));
        events.push(Event::IncomingAgain(IncomingUrl("app:/redirect".into())));
    }
    events.extend(from_outside(state));
    events
}

/// What other parties can hand the app (while the app is busy, the work in flight finishes
/// first): the AiSEG2's 2D code on any screen, and Google Home's App Flip request where the user
/// is in Google Home. A request or link that only earns a notice — a forged request, one while
/// nobody is logged in, a foreign link — changes no screen, so it is tried only where launches
/// land, which keeps the explored space small.
fn from_outside(state: &State) -> Vec<Event> {
    if matches!(state.screen, Screen::Busy { .. }) {
        return vec![];
    }
    let request = super::AppFlipRequest {
        client_id: "google".into(),
        scope: "openid".into(),
        state: "s".into(),
        redirect_uri: "https://oauth-redirect.googleusercontent.com/a/app".into(),
        caller_verified: true,
    };
    let landing = matches!(state.screen, Screen::Welcome | Screen::Home { .. });
    let mut events = vec![Event::RegistrationLinkAgain(RegistrationCode("code".into()))];
    // Over a registration being filled in, a new code asks first (`Screen::NewCodePrompt`): tried
    // from the nickname screen (the other screens are unit-tested), as from every screen it
    // would nearly triple the states (each step of a registration again with the question).
    let filling = state.speaker.as_ref().is_some_and(|draft| state.registered.as_ref() != Some(draft));
    if !filling || state.screen == Screen::Nickname {
        events.push(Event::RegistrationLink(RegistrationCode("code".into())));
    }
    // Google Home asks while the user is in it: after the hand-off, from troubleshooting or the
    // done screen, or from Google Home alone (the app resting on welcome or home). Elsewhere the
    // consent is the same detour back to the screen beneath (unit-tested); exploring it on every
    // screen multiplied the states about threefold.
    let in_google_home = matches!(
        state.screen,
        Screen::HandOff | Screen::WaitingForGoogleHome | Screen::Troubleshooting | Screen::SpeakerDone
    );
    if landing || (state.account.is_some() && in_google_home) {
        events.push(Event::AppFlip { request: request.clone(), valid: true });
    }
    if landing {
        events.push(Event::AppFlip { request, valid: false });
        // A foreign link only sets a notice, whatever the screen (unit-tested); sent everywhere,
        // it would double the explored states for nothing.
        events.push(Event::StrayLink);
    }
    events
}

/// A step of the explored graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: String,
}

/// All states reachable from a fresh install and the steps between them.
pub struct Graph {
    pub states: Vec<State>,
    pub edges: Vec<Edge>,
}

/// How a step of the graph is labelled in the picture (a tap by its action's name).
pub fn label(event: &Event) -> String {
    match event {
        Event::Tap(Action::EditNickname { .. }) => "EditNickname".into(),
        Event::Tap(Action::ToggleDevice { .. }) => "ToggleDevice".into(),
        Event::Tap(Action::ToggleCategory { .. }) => "ToggleCategory".into(),
        Event::Tap(Action::ChooseSpeaker { provider }) => format!("ChooseSpeaker {provider:?}"),
        Event::Tap(action) => format!("{action:?}"),
        Event::Failed(f) => format!("Failed {f:?}"),
        Event::SignedIn(_) => "SignedIn".into(),
        Event::TermsLoaded { kind, .. } => format!("TermsLoaded {kind:?}"),
        Event::DevicesLoaded(_) => "DevicesLoaded".into(),
        Event::LinkChecked { linked } => format!("LinkChecked {}", if *linked { "linked" } else { "not linked" }),
        Event::RegistrationLink(_) => "2D code link".into(),
        Event::RegistrationLinkAgain(_) => "2D code link again".into(),
        Event::VersionsChecked { need } => {
            format!("VersionsChecked {}", if need.is_some() { "update needed" } else { "ok" })
        }
        Event::HelpLoaded { .. } => "HelpLoaded".into(),
        Event::AppFlip { valid, .. } => format!("App Flip request{}", if *valid { "" } else { " (forged)" }),
        Event::TermsChecked { terms, accepted, .. } => match accepted {
            None => "TermsChecked new".into(),
            Some(v) if *v == terms.version => "TermsChecked current".into(),
            Some(_) => "TermsChecked revised".into(),
        },
        Event::Incoming(_) => "Incoming link".into(),
        Event::IncomingAgain(_) => "Incoming link again".into(),
        other => format!("{other:?}"),
    }
}

fn fingerprint(value: &impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

/// Explores every state reachable from `State::default()`.
pub fn explore() -> Graph {
    let mut graph = Graph { states: vec![State::default()], edges: Vec::new() };
    // Each state is kept once, in `graph.states`; the index finds it by its hash.
    let mut index: HashMap<u64, Vec<usize>> = HashMap::from([(fingerprint(&State::default()), vec![0])]);
    let mut queue = VecDeque::from([0usize]);
    // What was tried from where, as a 64-bit hash of the event: the events themselves (device
    // lists, help's phone numbers) would cost more memory than the states. (Two events sharing a
    // hash from one state, odds about 10^-7 here, would leave one of them untried.)
    let mut tried: HashSet<(usize, u64)> = HashSet::new();

    while let Some(i) = queue.pop_front() {
        assert!(
            graph.states.len() < 600_000,
            "the flow's state space does not close: {:#?}",
            &graph.states[graph.states.len() - 3..]
        );
        // An input, then every answer to the effects it starts, and so on until the flow settles.
        let mut pending: Vec<(usize, Event)> = inputs(&graph.states[i]).into_iter().map(|e| (i, e)).collect();
        while let Some((from, event)) = pending.pop() {
            if !tried.insert((from, fingerprint(&event))) {
                continue;
            }
            let text = label(&event);
            let (to_state, effects) = update(&graph.states[from], event);
            let same = index.entry(fingerprint(&to_state)).or_default();
            let to = match same.iter().copied().find(|&j| graph.states[j] == to_state) {
                Some(to) => to,
                None => {
                    graph.states.push(to_state);
                    same.push(graph.states.len() - 1);
                    queue.push_back(graph.states.len() - 1);
                    graph.states.len() - 1
                }
            };
            if from != to {
                graph.edges.push(Edge { from, to, label: text });
            }
            let to_state = &graph.states[to];
            pending.extend(effects.iter().flat_map(|e| outcomes(to_state, e)).map(|answer| (to, answer)));
        }
    }
    graph
}

/// The name a screen has in the picture (and in the docs and Gherkin steps).
pub fn node_name(screen: &Screen) -> String {
    match screen {
        Screen::Busy { activity } => {
            let name = format!("{activity:?}");
            format!("Busy_{}", name.split_whitespace().next().unwrap_or_default())
        }
        Screen::Problem { problem } => format!("Problem_{problem:?}"),
        other => {
            let name = format!("{other:?}");
            name.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_owned()
        }
    }
}

impl Graph {
    /// States from which no sequence of inputs reaches `goal`.
    pub fn states_that_cannot_reach(&self, goal: impl Fn(&State) -> bool) -> Vec<&State> {
        let mut reverse: HashMap<usize, Vec<usize>> = HashMap::new();
        for e in &self.edges {
            reverse.entry(e.to).or_default().push(e.from);
        }
        let mut good: HashSet<usize> = (0..self.states.len()).filter(|&i| goal(&self.states[i])).collect();
        let mut queue: VecDeque<usize> = good.iter().copied().collect();
        while let Some(i) = queue.pop_front() {
            for &j in reverse.get(&i).into_iter().flatten() {
                if good.insert(j) {
                    queue.push_back(j);
                }
            }
        }
        (0..self.states.len()).filter(|i| !good.contains(i)).map(|i| &self.states[i]).collect()
    }

    /// The flow as a Mermaid diagram: one node per screen, one arrow per distinct step.
    pub fn to_mermaid(&self) -> String {
        let mut nodes: BTreeSet<(String, String)> = BTreeSet::new();
        let mut arrows: BTreeSet<(String, String, String)> = BTreeSet::new();
        for state in &self.states {
            let title = view(state, Language::Japanese).title;
            nodes.insert((node_name(&state.screen), title));
        }
        for e in &self.edges {
            let from = node_name(&self.states[e.from].screen);
            let to = node_name(&self.states[e.to].screen);
            if from != to {
                arrows.insert((from, to, e.label.clone()));
            }
        }
        let mut out = String::from("flowchart TD\n");
        let mut seen = BTreeSet::new();
        for (name, title) in nodes {
            if seen.insert(name.clone()) {
                out.push_str(&format!("    {name}[\"{name}<br/>{}\"]\n", title.replace('"', "'")));
            }
        }
        // Merge the labels of parallel arrows so the picture stays readable.
        let mut merged: Vec<(String, String, Vec<String>)> = Vec::new();
        for (from, to, label) in arrows {
            match merged.last_mut() {
                Some((f, t, labels)) if *f == from && *t == to => labels.push(label),
                _ => merged.push((from, to, vec![label])),
            }
        }
        for (from, to, labels) in merged {
            out.push_str(&format!("    {from} -->|{}| {to}\n", labels.join(" / ")));
        }
        out
    }
}

/// The contents of `docs/flow.md`.
pub fn flow_document() -> String {
    flow_document_of(&explore())
}

/// The contents of `docs/flow.md`, drawn from an explored graph.
pub fn flow_document_of(graph: &Graph) -> String {
    format!(
        "# The flow\n\n\
         Generated from `rust-core/src/flow` by exploring every reachable state \
         ({} states, {} steps). Do not edit: run `cargo run -p smarthems --bin flowchart` after \
         changing the flow; a test fails while this file is stale.\n\n\
         Nodes are screens (`Busy_*` are loading screens, `Problem_*` explain what went wrong and \
         what to do); arrows are taps (Action names) and answers from the runtime. Taps that keep \
         the screen are not drawn: typing, checking devices and rooms, and asking the phone to open \
         something (`OpenStore` on UpdateRequired; each screen's buttons are listed by \
         `offered` in `rust-core/src/flow/mod.rs`).\n\n\
         ```mermaid\n{}```\n",
        graph.states.len(),
        graph.edges.len(),
        graph.to_mermaid()
    )
}
