//! Coverage of the flow: which screens, buttons and transitions of the explored flow graph
//! (`smarthems::flow::graph::explore`, the graph `docs/flow.md` draws) the features visited.
//!
//! The explorer's 148,798 states and 492,750 steps are too fine to count against (a state holds
//! the device list, the nickname, the notice…), so coverage is counted at the picture's level:
//! - a **screen** is a node of the picture (`Home`, `Busy_SigningIn`, `Problem_Offline`…);
//! - a **button** is a screen and the action of a tap on it that changes the app's state
//!   (`Nickname` · `SubmitNickname`);
//! - a **transition** is a screen, what moved the app (the tapped action, or the kind of answer
//!   or link that arrived: `SignedIn`, `Failed`, `LinkChecked`, `AppFlip`, `Launched` for a
//!   restart…) and the screen it led to, when that differs (`Login —SignedIn→ Busy_SavingConsent`).
//!
//! What the app did is read from the core's own log (the `event` and `screen` lines of its event
//! loop, which carry the event's kind and the screen's name, never a name, code or URL), through a
//! tracing layer the harness installs; taps made through `QaWorld::tap` tell which action it was.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use smarthems::flow::graph::{self, node_name};
use smarthems::flow::{Action, Event};

/// (from screen, cause, to screen).
pub type Transition = (String, String, String);

/// The flow's screens, buttons and transitions, from the explored graph.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Universe {
    pub screens: BTreeSet<String>,
    pub buttons: BTreeSet<(String, String)>,
    pub transitions: BTreeSet<Transition>,
    /// The picture's arrows (from, to) with their labels, as `docs/flow.md` draws them.
    pub arrows: Vec<(String, String, String)>,
    pub nodes: Vec<(String, String)>,
}

/// The kinds of event the core logs (`Event::kind`), and how the graph's labels begin for them.
const KINDS: [(&str, &str); 24] = [
    ("Launched", "Launched"),
    ("Incoming", "Incoming"),
    ("StrayLink", "StrayLink"),
    ("LoginOpened", "LoginOpened"),
    ("SignedIn", "SignedIn"),
    ("TermsChecked", "TermsChecked"),
    ("ConsentSaved", "ConsentSaved"),
    ("SignedOut", "SignedOut"),
    ("TermsLoaded", "TermsLoaded"),
    ("DevicesLoaded", "DevicesLoaded"),
    ("Registered", "Registered"),
    ("Foregrounded", "Foregrounded"),
    ("LinkChecked", "LinkChecked"),
    ("2D", "RegistrationLink"),
    ("App", "AppFlip"),
    ("AppFlipAnswered", "AppFlipAnswered"),
    ("CodeClaimed", "CodeClaimed"),
    ("OldIdChecked", "OldIdChecked"),
    ("OldIdWiped", "OldIdWiped"),
    ("VersionsChecked", "VersionsChecked"),
    ("HelpLoaded", "HelpLoaded"),
    ("Failed", "Failed"),
    ("PhoneFailed", "PhoneFailed"),
    ("Tap", "Tap"),
];

/// The cause of a graph step: the event kind for answers and links, the action's label for taps.
fn cause_of(label: &str) -> (bool, String) {
    let first = label.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();
    match KINDS.iter().find(|(word, _)| *word == first) {
        Some((_, kind)) => (false, (*kind).to_owned()),
        None => (true, label.to_owned()),
    }
}

impl Universe {
    /// The universe of this build of the core: explored once (seconds of CPU), then read from
    /// `cache`, keyed by the running binary (size and time), so runs of the same build — and
    /// the real-environment test's one process per scenario — do not explore again.
    pub fn cached(cache: &std::path::Path) -> Universe {
        let key = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| format!("{}-{:?}", m.len(), m.modified().ok()))
            .unwrap_or_default();
        let read = std::fs::read_to_string(cache).ok().and_then(|text| {
            let (stored, json) = text.split_once('\n')?;
            (stored == key).then(|| serde_json::from_str::<Universe>(json).ok()).flatten()
        });
        read.unwrap_or_else(|| {
            let u = Universe::explore();
            if let Ok(json) = serde_json::to_string(&u) {
                // Written whole, then renamed: a process reading it never sees half of it.
                let part = cache.with_extension(format!("{}.part", std::process::id()));
                if std::fs::write(&part, format!("{key}\n{json}")).is_ok() {
                    let _ = std::fs::rename(&part, cache);
                }
            }
            u
        })
    }

    pub fn explore() -> Universe {
        let g = graph::explore();
        let mut u = Universe {
            screens: BTreeSet::new(),
            buttons: BTreeSet::new(),
            transitions: BTreeSet::new(),
            arrows: Vec::new(),
            nodes: Vec::new(),
        };
        let names: Vec<String> = g.states.iter().map(|s| node_name(&s.screen)).collect();
        for (state, name) in g.states.iter().zip(&names) {
            if u.screens.insert(name.clone()) {
                u.nodes.push((name.clone(), smarthems::flow::view(state, smarthems::Language::Japanese).title));
            }
        }
        let mut arrows: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for e in &g.edges {
            let (from, to) = (&names[e.from], &names[e.to]);
            let (tap, cause) = cause_of(&e.label);
            if tap {
                u.buttons.insert((from.clone(), cause.clone()));
            }
            if from != to {
                u.transitions.insert((from.clone(), cause, to.clone()));
                arrows.entry((from.clone(), to.clone())).or_default().insert(e.label.clone());
            }
        }
        u.arrows =
            arrows.into_iter().map(|((f, t), l)| (f, t, l.into_iter().collect::<Vec<_>>().join(" / "))).collect();
        u.nodes.sort();
        u
    }
}

/// What the features did, as seen in the core's log.
#[derive(Default, Clone)]
pub struct Seen {
    pub screens: BTreeSet<String>,
    pub buttons: BTreeSet<(String, String)>,
    pub transitions: BTreeSet<Transition>,
    /// Taps whose action the harness did not see (made straight on the façade by a step), as
    /// (from, to) screens; `figures` names the action where the graph leaves one choice.
    pub unknown_taps: Vec<(String, String)>,
}

#[derive(Default)]
struct Tracker {
    seen: Seen,
    /// The screen the app is on (None before the first launch of a phone).
    current: Option<String>,
    /// The kind of the event being applied.
    kind: Option<String>,
    /// The action of the tap the harness is making.
    tapping: Option<String>,
    /// The action of the tap being applied (None for a tap the harness did not announce).
    tap_now: Option<String>,
}

static TRACKER: Mutex<Option<Tracker>> = Mutex::new(None);
static ENABLED: AtomicBool = AtomicBool::new(false);

fn with<R>(f: impl FnOnce(&mut Tracker) -> R) -> Option<R> {
    if !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    TRACKER.lock().unwrap().as_mut().map(f)
}

/// Starts recording (installs the tracing layer once).
pub fn start() {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    INSTALLED.get_or_init(install);
    *TRACKER.lock().unwrap() = Some(Tracker::default());
    ENABLED.store(true, Ordering::Relaxed);
}

/// Stops recording and returns what was seen.
pub fn finish() -> Seen {
    ENABLED.store(false, Ordering::Relaxed);
    TRACKER.lock().unwrap().take().map(|t| t.seen).unwrap_or_default()
}

/// A new phone (a fresh install): the app starts from the flow's first state.
pub fn new_phone() {
    with(|t| t.current = Some(node_name(&smarthems::flow::State::default().screen)));
}

/// The app started and shows this screen (seen even when starting changed nothing).
pub fn launched(view: &smarthems::ScreenView) {
    let node = node_name(&view.screen);
    with(|t| {
        t.seen.screens.insert(node.clone());
        t.current.get_or_insert(node);
    });
}

/// The harness is about to tap this action.
pub fn tapping(action: &Action) {
    let label = graph::label(&Event::Tap(action.clone()));
    with(|t| t.tapping = Some(label));
}

fn on_event(kind: &str) {
    with(|t| {
        if kind == "Tap" {
            t.tap_now = t.tapping.take();
        }
        t.kind = Some(kind.to_owned());
    });
}

fn on_screen(to: &str) {
    with(|t| {
        let kind = t.kind.take().unwrap_or_else(|| "?".into());
        let cause = if kind == "Tap" { t.tap_now.take() } else { Some(kind) };
        t.seen.screens.insert(to.to_owned());
        let Some(from) = t.current.replace(to.to_owned()) else { return };
        match cause {
            Some(cause) if cause != "?" => {
                if graph_is_tap(&cause) {
                    t.seen.buttons.insert((from.clone(), cause.clone()));
                }
                if from != to {
                    t.seen.transitions.insert((from, cause, to.to_owned()));
                }
            }
            None => t.seen.unknown_taps.push((from, to.to_owned())),
            Some(_) => {}
        }
    });
}

fn graph_is_tap(cause: &str) -> bool {
    !KINDS.iter().any(|(_, kind)| *kind == cause)
}

fn install() -> bool {
    use tracing_subscriber::layer::SubscriberExt as _;
    let targets =
        tracing_subscriber::filter::Targets::new().with_target("smarthems::runtime::event_loop", tracing::Level::DEBUG);
    let subscriber = tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(CoreLog, targets));
    tracing::subscriber::set_global_default(subscriber).is_ok()
}

struct CoreLog;

#[derive(Default)]
struct Fields {
    event: Option<String>,
    screen: Option<String>,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.record(field.name(), value.to_owned());
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.record(field.name(), format!("{value:?}"));
    }
}

impl Fields {
    fn record(&mut self, name: &str, value: String) {
        match name {
            "event" => self.event = Some(value),
            "screen" => self.screen = Some(value),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CoreLog {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Some(kind) = fields.event {
            on_event(&kind);
        }
        if let Some(screen) = fields.screen {
            on_screen(&screen);
        }
    }
}

/// "412 of 530" and a percentage.
fn ratio(seen: usize, all: usize) -> String {
    format!("{seen} of {all} ({:.0}%)", if all == 0 { 0.0 } else { 100.0 * seen as f64 / all as f64 })
}

/// The coverage, counted against the universe (what the features saw outside it is left out).
pub struct Figures {
    pub screens: (usize, usize),
    pub buttons: (usize, usize),
    pub transitions: (usize, usize),
    pub missed_screens: Vec<String>,
    pub missed_buttons: Vec<(String, String)>,
    pub missed_transitions: Vec<Transition>,
    /// The flow picture with the run's path (Mermaid's `flowchart`), drawn in the report.
    pub picture: String,
}

/// A tap the harness did not see, named by the graph when only one action fits: the only tap
/// from `from` to `to`, or (staying on the screen) the only button there that never leaves it.
fn resolve(u: &Universe, from: &str, to: &str) -> Option<String> {
    let leaves = |cause: &str| u.transitions.iter().any(|(f, c, _)| f == from && c == cause);
    let fits: Vec<&String> = if from == to {
        u.buttons.iter().filter(|(s, c)| s == from && !leaves(c)).map(|(_, c)| c).collect()
    } else {
        u.transitions.iter().filter(|(f, c, t)| f == from && t == to && graph_is_tap(c)).map(|(_, c, _)| c).collect()
    };
    (fits.len() == 1).then(|| fits[0].clone())
}

pub fn figures(seen: &Seen, u: &Universe) -> Figures {
    let mut seen = seen.clone();
    for (from, to) in std::mem::take(&mut seen.unknown_taps) {
        if let Some(cause) = resolve(u, &from, &to) {
            seen.buttons.insert((from.clone(), cause.clone()));
            if from != to {
                seen.transitions.insert((from, cause, to));
            }
        }
    }
    let seen = &seen;
    Figures {
        screens: (u.screens.intersection(&seen.screens).count(), u.screens.len()),
        buttons: (u.buttons.intersection(&seen.buttons).count(), u.buttons.len()),
        transitions: (u.transitions.intersection(&seen.transitions).count(), u.transitions.len()),
        missed_screens: u.screens.difference(&seen.screens).cloned().collect(),
        missed_buttons: u.buttons.difference(&seen.buttons).cloned().collect(),
        missed_transitions: u.transitions.difference(&seen.transitions).cloned().collect(),
        picture: flowchart(seen, u),
    }
}

impl Figures {
    /// The lines the harness prints.
    pub fn summary(&self) -> String {
        format!(
            "flow coverage: screens {}, buttons {}, transitions {}",
            ratio(self.screens.0, self.screens.1),
            ratio(self.buttons.0, self.buttons.1),
            ratio(self.transitions.0, self.transitions.1)
        )
    }

    /// The lists of what no feature reaches, as a text file.
    pub fn text(&self) -> String {
        let mut t = format!("{}\n\n", self.summary());
        let _ = writeln!(t, "screens no feature reaches ({}):", self.missed_screens.len());
        for s in &self.missed_screens {
            let _ = writeln!(t, "  {s}");
        }
        let _ = writeln!(t, "\nbuttons no feature taps ({}):", self.missed_buttons.len());
        for (s, a) in &self.missed_buttons {
            let _ = writeln!(t, "  {s} · {a}");
        }
        let _ = writeln!(t, "\ntransitions no feature takes ({}):", self.missed_transitions.len());
        for (f, c, to) in &self.missed_transitions {
            let _ = writeln!(t, "  {f} —{c}→ {to}");
        }
        t
    }

    /// The report's coverage section.
    pub fn html(&self) -> String {
        use crate::report::escape;
        let mut h = String::from("<h2>Coverage of the flow</h2>");
        let _ = write!(
            h,
            "<p id=coverage>screens <b>{}</b> · buttons <b>{}</b> · transitions <b>{}</b></p>\
             <p><small>Counted against the graph the core's explorer draws (docs/flow.md): a screen is a node of the \
             picture, a button a screen and a tapped action that changes the app's state, a transition a screen, what \
             moved the app (the action, or the kind of answer or link) and the different screen it led to. \
             <a href=flow.md>The flow picture with this run's path</a> (Mermaid, drawn below).</small></p>",
            ratio(self.screens.0, self.screens.1),
            ratio(self.buttons.0, self.buttons.1),
            ratio(self.transitions.0, self.transitions.1),
        );
        let list = |h: &mut String, title: &str, items: Vec<String>| {
            let _ = write!(
                h,
                "<details><summary>{title} no feature reaches ({})</summary><ul class=uncovered>",
                items.len()
            );
            for i in items {
                let _ = write!(h, "<li>{}</li>", escape(&i));
            }
            h.push_str("</ul></details>");
        };
        list(&mut h, "screens", self.missed_screens.clone());
        list(&mut h, "buttons", self.missed_buttons.iter().map(|(s, a)| format!("{s} · {a}")).collect());
        list(&mut h, "transitions", self.missed_transitions.iter().map(|(f, c, t)| format!("{f} —{c}→ {t}")).collect());
        // Drawn by Mermaid in the page (copied beside the run folders by the harness from the
        // report check's npm packages); without it the picture's source shows instead.
        let _ = write!(
            h,
            "<h3>The flow, with this run's path</h3><p><small>Visited screens are green; arrows a feature took are              thick and green.</small></p><pre class=mermaid id=flow-picture>{}</pre>             <script src=\"../mermaid.min.js\"></script>             <script>if (window.mermaid) mermaid.initialize({{ startOnLoad: true, maxTextSize: 2000000, maxEdges: 5000 }});</script>",
            escape(&self.picture)
        );
        h
    }
}

/// The flow picture (Mermaid) with the run's path drawn: visited screens filled, visited arrows
/// thick and green.
pub fn picture(seen: &Seen, u: &Universe) -> String {
    format!(
        "# The flow, with this run's path\n\nVisited screens are green; arrows a feature took are thick and green.\n\n\
         ```mermaid\n{}```\n",
        flowchart(seen, u)
    )
}

/// The picture's Mermaid source: the graph's screens and arrows, the visited ones marked.
fn flowchart(seen: &Seen, u: &Universe) -> String {
    let mut out = String::from("flowchart TD\n");
    for (name, title) in &u.nodes {
        let _ = writeln!(out, "    {name}[\"{name}<br/>{}\"]", title.replace('"', "'"));
    }
    let taken: BTreeSet<(&str, &str)> = seen.transitions.iter().map(|(f, _, t)| (f.as_str(), t.as_str())).collect();
    let mut thick = Vec::new();
    for (i, (from, to, labels)) in u.arrows.iter().enumerate() {
        // Quoted: labels such as `OldIdChecked { found: true }` are not Mermaid's plain text.
        let _ = writeln!(out, "    {from} -->|\"{}\"| {to}", labels.replace('"', "'"));
        if taken.contains(&(from.as_str(), to.as_str())) {
            thick.push(i.to_string());
        }
    }
    out.push_str("    classDef visited fill:#cfc,stroke:#060\n");
    for name in u.screens.intersection(&seen.screens) {
        let _ = writeln!(out, "    class {name} visited");
    }
    if !thick.is_empty() {
        let _ = writeln!(out, "    linkStyle {} stroke:#080,stroke-width:4px", thick.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers and links count by their kind; a tap by its action's label as the picture draws it.
    #[test]
    fn graph_labels_become_causes() {
        assert_eq!(cause_of("Failed Offline"), (false, "Failed".to_owned()));
        assert_eq!(cause_of("2D code link"), (false, "RegistrationLink".to_owned()));
        assert_eq!(cause_of("App Flip request (forged)"), (false, "AppFlip".to_owned()));
        assert_eq!(cause_of("LinkChecked not linked"), (false, "LinkChecked".to_owned()));
        assert_eq!(cause_of("ChooseSpeaker GoogleHome"), (true, "ChooseSpeaker GoogleHome".to_owned()));
        assert_eq!(cause_of("Register"), (true, "Register".to_owned()));
        let tap = graph::label(&Event::Tap(Action::SubmitNickname));
        assert_eq!(cause_of(&tap), (true, tap.clone()));
        assert!(graph_is_tap(&tap) && !graph_is_tap("SignedIn"));
    }

    /// A tap the harness did not announce is named only where the graph leaves one choice.
    #[test]
    fn unannounced_taps_are_named_only_when_one_action_fits() {
        let s = |x: &str| x.to_owned();
        let u = Universe {
            screens: [s("Nickname"), s("PrivacyPolicy"), s("Busy_LoadingHelp")].into(),
            buttons: [
                (s("Nickname"), s("EditNickname")),
                (s("Nickname"), s("SubmitNickname")),
                (s("Nickname"), s("OpenHelp")),
            ]
            .into(),
            transitions: [
                (s("Nickname"), s("SubmitNickname"), s("PrivacyPolicy")),
                (s("Nickname"), s("OpenHelp"), s("Busy_LoadingHelp")),
            ]
            .into(),
            arrows: vec![],
            nodes: vec![],
        };
        assert_eq!(resolve(&u, "Nickname", "Nickname"), Some(s("EditNickname")));
        assert_eq!(resolve(&u, "Nickname", "PrivacyPolicy"), Some(s("SubmitNickname")));
        assert_eq!(resolve(&u, "PrivacyPolicy", "Nickname"), None);
        let seen = Seen { unknown_taps: vec![(s("Nickname"), s("Nickname"))], ..Seen::default() };
        let f = figures(&seen, &u);
        assert_eq!(f.buttons, (1, 3));
        assert_eq!(f.missed_screens, vec![s("Busy_LoadingHelp"), s("Nickname"), s("PrivacyPolicy")]);
    }
}
